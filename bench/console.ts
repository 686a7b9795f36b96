// bench:console — each console page's navigation-to-ready time in headless Chromium with 10,000+ memories in one cube, beside the raw API calls the page makes.
import { performance } from "node:perf_hooks";
import type { Page } from "playwright-core";
// @ts-expect-error: plain ESM build script shared with `npm run dev`, no type declarations
import { buildConsole } from "../console/build.mjs";
import { launch, signIn } from "../test/e2e/console/browser.ts";
import { percentile, startServer, type Server } from "./lib/server.ts";

const USER = "bench-console";
const RAW = 10_000;
const EXTRACTED_BATCHES = 15;
const RUNS = 7;
const TARGET_MS = 300;
/** The graph page marks itself complete once every page of memories asked for is drawn. */
const GRAPH_DONE = '.graph-wrap[data-complete="true"]';
const SKILL_MD = "---\nname: back-up-database\ndescription: Back up the database before a migration.\n---\n\n## Parameters\n\n- `days` (integer, required): how many days to keep\n\n## Steps\n\n1. Back up the database\n2. Keep {days} days of copies\n";

const NAMES = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Yolanda"];
const PLACES = ["Lisbon", "Porto", "Berlin", "Madrid", "Paris", "Rome", "Vienna", "Prague", "Oslo", "Dublin"];
const pick = <T>(list: T[], i: number): T => list[i % list.length] as T;

async function seed(server: Server): Promise<{ memoryId: string; cube: string }> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < RAW / 100) {
      const batch = next++;
      const messages = Array.from({ length: 100 }, (_, j) => {
        const n = batch * 100 + j;
        return { role: "user" as const, content: `Note ${n}: ${pick(NAMES, n)} talked about ${pick(PLACES, n * 7)} and the ${["budget", "trip", "garden", "launch", "recipe"][n % 5]} on day ${n % 28 + 1}.`, timestamp: new Date(Date.UTC(2024, n % 12, (n % 28) + 1)).toISOString() };
      });
      await server.client.memories.add({ user_id: USER, messages, infer: false });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  // Extracted memories (rules, at once) name entities, for the graph page.
  for (let b = 0; b < EXTRACTED_BATCHES; b++) {
    const messages = Array.from({ length: 20 }, (_, j) => {
      const n = b * 20 + j;
      return { role: "user" as const, name: pick(NAMES, n), content: `I met ${pick(NAMES, n + 3)} in ${pick(PLACES, n)} and we planned a trip to ${pick(PLACES, n + 4)} with ${pick(NAMES, n + 7)}.`, timestamp: new Date(Date.UTC(2025, n % 12, (n % 28) + 1)).toISOString() };
    });
    await server.client.memories.add({ user_id: USER, messages, sync: true });
  }
  const first = await server.client.memories.list({ user_id: USER, limit: 1 });
  const memoryId = first.memories[0]?.id;
  if (!memoryId) throw new Error("seeding stored nothing");
  await server.client.memories.update(memoryId, { text: `${first.memories[0]?.text} (edited)` });
  const count = (await server.client.entities({ user_id: USER, limit: 500 })).entities.length;
  console.log(`seeded ${RAW} memories + ${EXTRACTED_BATCHES * 20} extracted messages (${count} entities) for ${USER} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { memoryId, cube: `user:${USER}` };
}

/** The graph page's calls: the entities beside the pages of memories, one after the other by cursor. */
async function graphCalls(api: Server["single"], pages: number): Promise<void> {
  await Promise.all([
    api.entities({ user_id: USER, limit: 500 }),
    (async () => {
      let cursor: string | undefined;
      for (let i = 0; i < pages; i++) {
        const r = await api.memories.list({ user_id: USER, limit: 200, cursor });
        cursor = r.next_cursor ?? undefined;
        if (!cursor) break;
      }
    })(),
  ]);
}

/**
 * Navigation-to-ready in the page: from the hash change to the page's data-ready mark (or `until`, a
 * selector that must match as well: the graph's every page drawn), then the frame that paints it.
 */
async function navigate(page: Page, hash: string, until = 'section.page[data-ready="true"]'): Promise<number> {
  return (await page.evaluate(`new Promise((resolve, reject) => {
    const stale = document.querySelector("section.page"); if (stale) stale.dataset.ready = "stale";
    const t0 = performance.now();
    const done = () => requestAnimationFrame(() => resolve(performance.now() - t0));
    const until = ${JSON.stringify(until)};
    const observer = new MutationObserver(() => { if (document.querySelector('section.page[data-ready="true"]') && document.querySelector(until)) { observer.disconnect(); done(); } });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-ready", "data-complete"] });
    setTimeout(() => { observer.disconnect(); reject(new Error("not ready after 20 s: " + ${JSON.stringify(hash)} + " " + (document.querySelector("[role=alert]")?.textContent ?? "")));  }, 20000);
    location.hash = ${JSON.stringify(hash)};
  })`)) as number;
}

async function main() {
  await buildConsole({ quiet: true });
  const server = await startServer();
  const browser = await launch();
  try {
    const { memoryId, cube } = await seed(server);
    const imported = await server.client.POST("/v1/skills/import", { body: { user_id: USER, text: SKILL_MD } });
    const skill = imported.data?.skill;
    if (!skill) throw new Error("the skill import answered nothing");
    const api = server.single;
    const q = { query: "where did Alice travel with Bob", user_id: USER, top_k: 10, record_access: false };
    const pages: { name: string; hash: string; baseline: string; raw: () => Promise<unknown>; until?: string }[] = [
      { name: "memories (user, 50)", hash: `#/memories?user_id=${USER}`, baseline: "GET /v1/memories?user_id&limit=50", raw: () => api.memories.list({ user_id: USER, limit: 50 }) },
      { name: "memories (tenant, 50)", hash: "#/memories", baseline: "GET /v1/memories?limit=50", raw: () => api.memories.list({ limit: 50 }) },
      { name: "memory + history", hash: `#/memories/${memoryId}?cube_id=${encodeURIComponent(cube)}`, baseline: "GET memory, /history, /provenance", raw: () => Promise.all([api.memories.get(memoryId, { cube_id: cube }), api.memories.history(memoryId, { cube_id: cube }), api.GET("/v1/memories/{id}/provenance", { params: { path: { id: memoryId }, query: { cube_id: cube } } })]) },
      { name: "search", hash: `#/search?query=${encodeURIComponent(q.query)}&user_id=${USER}`, baseline: "POST /v1/search", raw: () => api.search(q) },
      { name: "search + context", hash: `#/search?query=${encodeURIComponent(q.query)}&user_id=${USER}&format=context&budget_tokens=800`, baseline: "POST /v1/search format=context", raw: () => api.search({ ...q, format: "context", budget_tokens: 800 }) },
      { name: "timeline (200)", hash: `#/timeline?user_id=${USER}`, baseline: "GET /v1/memories?limit=200", raw: () => api.memories.list({ user_id: USER, limit: 200 }) },
      { name: "graph: first view (200 memories)", hash: `#/graph?user_id=${USER}`, baseline: "GET /v1/entities + 1 x 200 memories", raw: () => graphCalls(api, 1) },
      { name: "graph: all 400 memories drawn", hash: `#/graph?cube_id=${encodeURIComponent(`user:${USER}`)}&pages=2`, baseline: "GET /v1/entities + 2 x 200 memories", raw: () => graphCalls(api, 2), until: GRAPH_DONE },
      { name: "graph, 10 pages: first view", hash: `#/graph?user_id=${USER}&pages=10`, baseline: "GET /v1/entities + 1 x 200 memories", raw: () => graphCalls(api, 1) },
      { name: "graph, 10 pages: 2,000 drawn", hash: `#/graph?cube_id=${encodeURIComponent(`user:${USER}`)}&pages=10`, baseline: "GET /v1/entities + 10 x 200 memories", raw: () => graphCalls(api, 10), until: GRAPH_DONE },
      { name: "skills (user)", hash: `#/skills?user_id=${USER}`, baseline: "GET /v1/skills?user_id", raw: () => api.GET("/v1/skills", { params: { query: { user_id: USER, limit: 30 } } }) },
      { name: "skill (SKILL.md, versions)", hash: `#/skills/${skill.id}?cube_id=${encodeURIComponent(cube)}`, baseline: "GET skill, /versions, /export", raw: () => Promise.all([api.GET("/v1/skills/{id}", { params: { path: { id: skill.id }, query: { cube_id: cube } } }), api.GET("/v1/skills/{id}/versions", { params: { path: { id: skill.id }, query: { cube_id: cube } } }), api.GET("/v1/skills/{id}/export", { params: { path: { id: skill.id }, query: { cube_id: cube, format: "markdown" } }, parseAs: "text" })]) },
      { name: "hub (listings)", hash: "#/hub", baseline: "GET /v1/hub/listings", raw: () => api.GET("/v1/hub/listings", { params: { query: { limit: 30 } } }) },
      { name: "jobs (list)", hash: "#/jobs", baseline: "GET /v1/jobs?limit=30", raw: () => api.GET("/v1/jobs", { params: { query: { limit: 30 } } }) },
      { name: "keys", hash: "#/keys", baseline: "GET /v1/keys", raw: () => api.keys.list() },
      { name: "grants", hash: "#/grants", baseline: "GET /v1/grants", raw: () => api.GET("/v1/grants") },
      { name: "audit", hash: "#/audit", baseline: "GET /v1/audit?limit=50", raw: () => api.GET("/v1/audit", { params: { query: { limit: 50 } } }) },
      { name: "webhooks", hash: "#/webhooks", baseline: "GET /v1/webhooks", raw: () => api.GET("/v1/webhooks") },
      { name: "scheduler", hash: `#/scheduler?cube_id=${encodeURIComponent(cube)}`, baseline: "GET /v1/cubes/{id}/scheduler", raw: () => api.GET("/v1/cubes/{id}/scheduler", { params: { path: { id: cube }, query: { decisions: 30 } } }) },
      { name: "settings", hash: `#/settings?cube_id=${encodeURIComponent(cube)}`, baseline: "GET cubes, lifecycle, privacy", raw: () => Promise.all([api.cubes.list({ limit: 200 }), api.GET("/v1/cubes/{id}/lifecycle", { params: { path: { id: cube } } }), api.GET("/v1/cubes/{id}/privacy", { params: { path: { id: cube } } })]) },
    ];
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, server.url, server.key);
    // Consecutive graph entries differ in what they draw (user_id or cube_id of the same cube), so each navigation redraws.
    // One warm-up pass (the graph chunk, the cube's index), then RUNS timed passes in page order.
    for (const p of pages) await navigate(page, p.hash, p.until);
    const ui = new Map(pages.map((p) => [p.name, [] as number[]]));
    const raw = new Map(pages.map((p) => [p.name, [] as number[]]));
    for (let r = 0; r < RUNS; r++) {
      for (const p of pages) {
        ui.get(p.name)?.push(await navigate(page, p.hash, p.until));
        const t0 = performance.now();
        await p.raw();
        raw.get(p.name)?.push(performance.now() - t0);
      }
    }
    console.log(`\nconsole pages, ${RUNS} runs each, ms (navigation to ready and painted, in Chromium; baseline: the page's API calls from Node)`);
    console.log(`${"page".padEnd(36)} ${"p50".padStart(7)} ${"p95".padStart(7)}   ${"api p50".padStart(7)}  baseline`);
    let worst = 0;
    for (const p of pages) {
      const u = (ui.get(p.name) ?? []).sort((a, b) => a - b);
      const a = (raw.get(p.name) ?? []).sort((x, y) => x - y);
      worst = Math.max(worst, percentile(u, 95));
      console.log(`${p.name.padEnd(36)} ${percentile(u, 50).toFixed(0).padStart(7)} ${percentile(u, 95).toFixed(0).padStart(7)}   ${percentile(a, 50).toFixed(0).padStart(7)}  ${p.baseline}`);
    }
    console.log(`\nslowest page p95 ${worst.toFixed(0)} ms; target: every page within ${TARGET_MS} ms of navigation`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
