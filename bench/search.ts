// bench:search — /v1/search latency over HTTP on one cube of 1k, 10k and 100k synthetic memories,
// beside a bare int8 scan of the same vectors in this process (the overhead is the difference).
// Usage: npm run bench:search   (SEARCH_SIZES=1000,10000,100000; SEARCH_QUERIES=400)
// Governance on and off in the same run: the same workload against the commit before the governance layer (GOVERNANCE_BASELINE=off skips it).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { QuantizedIndex } from "../src/memory/vectors/quantized-index";
import { LocalEmbedder } from "../src/providers/embedder-local";
import { MemosError, type RequestBody } from "../packages/client/src/index.ts";
import { percentile } from "./lib/metrics";
import { startServer, type Server } from "./lib/server";
import { compareGovernance, GOVERNANCE_BASELINE_REF, startBaselineServer } from "./lib/baseline-server";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SIZES = (process.env.SEARCH_SIZES ?? "1000,10000,100000").split(",").map(Number);
const QUERIES = Number(process.env.SEARCH_QUERIES ?? 400);
const BATCH = 500;
const CLIENTS = 4;

// A small deterministic world: people, verbs, objects, places. Words repeat at realistic rates,
// so the keyword route meets both rare and common terms.
const PEOPLE = ["Alice", "Bob", "Carmen", "Dmitri", "Eun-ji", "Farid", "Greta", "Hiro", "Ines", "Jamal", "Kofi", "Lena", "Mateo", "Nadia", "Oskar", "Priya"];
const VERBS = ["bought", "visited", "painted", "repaired", "planned", "discussed", "cooked", "booked", "lost", "found", "recommended", "cancelled"];
const OBJECTS = ["a red bicycle", "the quarterly report", "a birthday cake", "tickets to Lisbon", "an old piano", "the garden fence", "a yoga class", "a used camera", "the team offsite", "a vegan lasagna", "a hiking trip", "the rental car", "a pottery course", "the dentist appointment", "a chess set", "the wedding playlist"];
const PLACES = ["in Berlin", "at the office", "near the lake", "with her sister", "after work", "on the weekend", "in the mountains", "downtown", "at the market", "online"];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function memoryText(i: number): string {
  const r = rng(i * 7919 + 1);
  return `${pick(r, PEOPLE)} ${pick(r, VERBS)} ${pick(r, OBJECTS)} ${pick(r, PLACES)} (note ${i}, ref ${Math.floor(r() * 1e6).toString(36)})`;
}
function queryText(i: number): string {
  const r = rng(i * 104729 + 3);
  return `what did ${pick(r, PEOPLE)} do about ${pick(r, OBJECTS).replace(/^(a|an|the) /, "")}?`;
}

/**
 * wrangler dev reloads the Worker when a source file changes (other work in the same checkout);
 * a batch cut by a reload is re-sent under the same Idempotency-Key, so it is stored once. The
 * loop is here rather than in the client's retries: a reload's 503 says `Retry-After: 0`, which
 * the client would honour by retrying at once, before the new Worker is up.
 */
async function addWithRetry(server: Server, body: RequestBody<"/v1/memories", "post">, key: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return void (await server.single.memories.add(body, { idempotencyKey: key }));
    } catch (error) {
      const cut = (error instanceof MemosError && error.status === 503) || error instanceof TypeError;
      if (!cut || attempt >= 5) throw new Error(`POST /v1/memories: ${error instanceof Error ? error.message : String(error)}`);
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
  }
}

async function fill(server: Server, user: string, from: number, to: number): Promise<number> {
  const t = performance.now();
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) {
      const start = next;
      next = Math.min(to, next + BATCH);
      const messages: Array<{ role: "user"; content: string }> = [];
      for (let i = start; i < next; i++) messages.push({ role: "user", content: memoryText(i) });
      await addWithRetry(server, { user_id: user, infer: false, messages }, `${user}-${start}`);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, worker));
  return (to - from) / ((performance.now() - t) / 1000);
}

/**
 * Adds memories [from, to) to the bare index, giving the event loop a turn every 1,000 vectors.
 * One synchronous loop over 100,000 vectors blocked it for 3.5 s (7 s and more on a loaded
 * 2-core machine), while the fill's keep-alive sockets sat idle in undici's pool: workerd closes
 * an idle connection after 5 s, undici could not see it close (its own 4 s idle timer could not
 * run either), so the first search went out on a closed socket and failed with "other side
 * closed", before the server saw it. That was the "dropped first search" at 100,000.
 */
async function addToBareIndex(index: QuantizedIndex, embedder: LocalEmbedder, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    index.add(String(i), embedder.embedOne(memoryText(i)));
    if ((i - from) % 1_000 === 999) await yieldToEventLoop();
  }
}

/**
 * The first search after growth, retried as a 503 with Retry-After asks (a cube whose in-memory
 * index is still loading answers that way instead of holding every request while it loads).
 */
async function firstSearch(server: Server, user: string): Promise<{ ms: number; unavailable: number }> {
  const t = performance.now();
  // `single` does not retry, so every 503 reaches this loop and is counted.
  for (let unavailable = 0; ; unavailable++) {
    try {
      await server.single.search({ user_id: user, query: queryText(0), top_k: 10, record_access: false });
      return { ms: performance.now() - t, unavailable };
    } catch (error) {
      const wait = error instanceof MemosError ? Number(error.retryAfter) : NaN;
      if (!(error instanceof MemosError) || error.status !== 503 || !(wait > 0) || unavailable >= 30) throw new Error(`first search: ${error instanceof Error ? error.message : String(error)}`);
      await new Promise((r) => setTimeout(r, wait * 1000));
    }
  }
}

interface Row {
  memories: number;
  insert_per_s: number;
  /** `first`: until the first search after growth answered; `first_503`: how many 503s it got before. */
  http_ms: { p50: number; p95: number; first: number; first_503: number };
  scan_ms: { p50: number; p95: number };
  /** The server's own stage timings (timings_ms), median per stage. */
  stages_p50_ms: Record<string, number>;
}

interface Side {
  server: Server;
  user: string;
  rows: Row[];
}

/**
 * Search latencies over HTTP as the cube grows through SIZES, on each side (governance on, and
 * off when compared); queries alternate between the sides so that a load change on the machine
 * falls on both alike. `each` grows the bare index the scan is timed on.
 */
async function measure(sides: Side[], each: (size: number, from: number) => Promise<void>, scanOne: (query: string) => number): Promise<number[][]> {
  const scans: number[][] = [];
  let have = 0;
  for (const size of SIZES) {
    const rates = [];
    for (const side of sides) rates.push(await fill(side.server, side.user, have, size));
    await each(size, have);
    have = size;
    // The first search after growth may find the cube's index loading from SQLite: reported apart.
    const firsts = [];
    for (const side of sides) firsts.push(await firstSearch(side.server, side.user));
    const http = sides.map((): number[] => []);
    const stages = sides.map(() => new Map<string, number[]>());
    const scan: number[] = [];
    for (let q = 1; q <= QUERIES; q++) {
      const query = queryText(q);
      for (const [i, side] of sides.entries()) {
        const t = performance.now();
        const answer = await side.server.single.search({ user_id: side.user, query, top_k: 10 });
        http[i]?.push(performance.now() - t);
        for (const [k, v] of Object.entries(answer.timings_ms)) stages[i]?.set(k, [...(stages[i]?.get(k) ?? []), v]);
      }
      scan.push(scanOne(query));
    }
    scans.push(scan);
    for (const [i, side] of sides.entries()) {
      const h = http[i] ?? [];
      const first = firsts[i] as { ms: number; unavailable: number };
      side.rows.push({
        memories: size,
        insert_per_s: rates[i] ?? 0,
        http_ms: { p50: percentile(h, 50), p95: percentile(h, 95), first: first.ms, first_503: first.unavailable },
        scan_ms: { p50: percentile(scan, 50), p95: percentile(scan, 95) },
        stages_p50_ms: Object.fromEntries([...(stages[i] ?? new Map<string, number[]>())].map(([k, v]) => [k, Math.round(percentile(v, 50) * 100) / 100])),
      });
    }
  }
  return scans;
}

async function main(): Promise<void> {
  const embedder = new LocalEmbedder();
  const index = new QuantizedIndex(embedder.dimensions, 1024);
  const scanOne = (query: string): number => {
    const v = embedder.embedOne(query);
    const t = performance.now();
    index.search(v, 100);
    return performance.now() - t;
  };
  const stamp = Date.now().toString(36);
  const on: Side = { server: await startServer(), user: `bench-search-${stamp}`, rows: [] };
  const sides = [on];
  try {
    // Governance on and off in the same run: the same workload against the commit before the layer.
    if (compareGovernance) sides.push({ server: await startBaselineServer(), user: `bench-search-off-${stamp}`, rows: [] });
    await measure(sides, (size, from) => addToBareIndex(index, embedder, from, size), scanOne);
  } finally {
    for (const side of sides) await side.server.stop();
  }
  for (const row of on.rows) {
    console.log(
      `${String(row.memories).padStart(7)} memories: insert ${row.insert_per_s.toFixed(0)}/s; search over HTTP p50 ${row.http_ms.p50.toFixed(1)} ms, p95 ${row.http_ms.p95.toFixed(1)} ms (first ${row.http_ms.first.toFixed(0)} ms${row.http_ms.first_503 ? ` after ${row.http_ms.first_503} × 503` : ""}); bare int8 scan p50 ${row.scan_ms.p50.toFixed(1)} ms, p95 ${row.scan_ms.p95.toFixed(1)} ms`,
    );
    console.log(`${" ".repeat(17)}server stages p50 (ms): ${Object.entries(row.stages_p50_ms).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  }
  console.log("\ntargets: p95 <= 25 ms at 10,000 memories, <= 100 ms at 100,000");
  const off = sides[1];
  if (off) {
    console.log(`\ngovernance on (this checkout) vs off (${GOVERNANCE_BASELINE_REF}, before grants, audit, privacy, watermarks), search over HTTP, queries alternating:`);
    console.log("memories   on p50   on p95   off p50   off p95   p95 added");
    for (const [i, r] of on.rows.entries()) {
      const o = off.rows[i] as Row;
      const added = (r.http_ms.p95 / o.http_ms.p95 - 1) * 100;
      console.log(`${String(r.memories).padStart(8)} ${r.http_ms.p50.toFixed(1).padStart(8)} ${r.http_ms.p95.toFixed(1).padStart(8)} ${o.http_ms.p50.toFixed(1).padStart(9)} ${o.http_ms.p95.toFixed(1).padStart(9)} ${`${added >= 0 ? "+" : ""}${added.toFixed(1)}%`.padStart(11)}`);
      console.log(`${" ".repeat(9)}off stages p50 (ms): ${Object.entries(o.stages_p50_ms).map(([k, v]) => `${k} ${v}`).join(", ")}`);
    }
    console.log("target: audit on reads (and the rest of the layer) adds at most 10% to search p95");
  }
  const out = path.join(ROOT, "bench", "results");
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, "search.json"),
    JSON.stringify({ queries: QUERIES, dimensions: embedder.dimensions, rows: on.rows, ...(off ? { governance_off: { ref: GOVERNANCE_BASELINE_REF, rows: off.rows } } : {}), node: process.version }, null, 2) + "\n",
  );
}

await main();
