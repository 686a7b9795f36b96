// npm run bench:scheduler: activation memory measured. A LoCoMo question trace over many users (one
// cube each, Zipf popularity, repeats) replayed through POST /v1/chat against a real gpu-bridge and
// a vLLM stand-in whose prefix cache has a fixed byte budget and reports cached tokens. Printed in
// the same run, under the same budget: (a) no activation memory, (b) the node's own LRU prefix
// cache over the rendered prompts (no scheduler), (c) the activation scheduler, (d) Belady's optimal
// eviction of the same blocks offline, (e) online LFU per byte over them, simulated; then search
// p95 with heat recording on and off.
import path from "node:path";
import { loadLocomo } from "./lib/locomo.ts";
import { percentile } from "./lib/server.ts";
import { beladyHits, rng, zipf } from "./lib/scheduler-belady.ts";
import { lfuHits } from "./lib/scheduler-lfu.ts";
import { startStack, type Stack } from "./lib/scheduler-stack.ts";

const DATA = process.env.LOCOMO_FILE ?? path.join(import.meta.dirname, "../../shared/data/locomo/locomo-dev5.json");
const QUERIES = Number(process.env.QUERIES ?? 300);
const ZIPF_S = Number(process.env.ZIPF_S ?? 1.1);
/** Memories stored per user (their first turns). */
const MEMORIES = Number(process.env.MEMORIES ?? 60);
const KV_BYTES_PER_TOKEN = Number(process.env.KV_BYTES_PER_TOKEN ?? 1_000);
/** The node's budget, in blocks of about 1,100 node tokens (a block with its template), i.e. a fixed byte figure. */
const BUDGET_BLOCKS = Number(process.env.BUDGET_BLOCKS ?? 6);
const BUDGET_BYTES = Number(process.env.BUDGET_BYTES ?? BUDGET_BLOCKS * 1_100 * KV_BYTES_PER_TOKEN);
const SEARCHES = Number(process.env.SEARCHES ?? 150);
/** Chats in flight at once during a replay (1: one after another). */
const CONCURRENCY = Math.max(1, Number(process.env.CONCURRENCY ?? 1));
/** Activation settings of the scheduler's cubes, e.g. KEEP_WARM_MS=3000 for a trace replayed faster than real traffic; unset: the defaults. */
const OURS_SETTINGS = process.env.KEEP_WARM_MS ? { keep_warm_ms: Number(process.env.KEEP_WARM_MS) } : null;

interface User {
  id: string;
  texts: string[];
  questions: string[];
}

function usersOf(): User[] {
  const { conversations } = loadLocomo(DATA);
  const users: User[] = [];
  for (const c of conversations) {
    for (const speaker of c.speakers) {
      // Two users per speaker (odd and even sessions): more users than the five conversations have speakers.
      for (const parity of [0, 1]) {
        const turns = c.turns.filter((t) => t.speaker === speaker && t.session % 2 === parity).slice(0, MEMORIES);
        if (turns.length < 5) continue;
        const questions = c.qa.map((q) => q.question).filter((q) => q.length <= 2_000);
        users.push({ id: `${c.sampleId}-${speaker}-${parity}`.replace(/[^A-Za-z0-9_.-]/g, "_"), texts: turns.map((t) => t.text).filter((t) => t.trim().length > 0), questions });
      }
    }
  }
  return users;
}

interface Chat {
  status: number;
  body: { usage?: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } }; memos?: { cache_hit: boolean; block_id: string | null; tokens: { block: number } }; error?: { message: string } };
}

async function call(stack: Stack, method: string, p: string, body?: unknown): Promise<Chat> {
  const r = await fetch(`${stack.api}${p}`, { method, headers: { authorization: `Bearer ${stack.key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : {}) as Chat["body"] };
}

interface RunResult {
  hits: boolean[];
  chatPrompt: number;
  chatCached: number;
  /** Everything the node prefilled (chats and, for the scheduler, its warm-ups). */
  nodePrefill: number;
  nodeRequests: number;
  blockTokens: Map<string, number>;
  /** Chats whose block the bridge held (sent by id), and hits among them; the rest went inline. */
  byId: number;
  byIdHits: number;
  replayMs: number;
  /** The bridge's block budget at the end of the replay, in bytes. */
  blockBudget: number;
}

async function replay(stack: Stack, users: User[], trace: Array<{ user: number; question: string }>, policy: "lru" | "ours"): Promise<RunResult> {
  await stack.resetBridge();
  await stack.resetCache();
  const prefix = `${policy}-${Date.now().toString(36)}`;
  for (const u of users) {
    const r = await call(stack, "POST", "/v1/memories", { user_id: `${prefix}-${u.id}`, infer: false, messages: u.texts.map((content) => ({ role: "user", content })) });
    if (r.status >= 300) throw new Error(`ingest ${u.id}: ${r.status} ${JSON.stringify(r.body)}`);
    const settings = policy === "lru" ? { enabled: false } : OURS_SETTINGS;
    if (settings) {
      const r2 = await call(stack, "PATCH", `/v1/cubes/user:${prefix}-${u.id}/scheduler/activation`, settings);
      if (r2.status !== 200) throw new Error(`config ${u.id}: ${r2.status}`);
    }
  }
  await stack.resetCache();
  const hits: boolean[] = [];
  const blockTokens = new Map<string, number>();
  let chatPrompt = 0;
  let chatCached = 0;
  let byId = 0;
  let byIdHits = 0;
  const t0 = performance.now();
  // CONCURRENCY clients take the trace's chats in order, each as soon as its previous one answered.
  let next = 0;
  const client = async (): Promise<void> => {
    for (let i = next++; i < trace.length; i = next++) {
      const q = trace[i] as (typeof trace)[number];
      const u = users[q.user] as User;
      const r = await call(stack, "POST", "/v1/chat", { user_id: `${prefix}-${u.id}`, infer: false, messages: [{ role: "user", content: q.question }], max_tokens: 3 });
      if (r.status !== 200 || !r.body.memos || !r.body.usage) throw new Error(`chat: ${r.status} ${JSON.stringify(r.body)}`);
      hits[i] = r.body.memos.cache_hit;
      if (r.body.memos.block_id) {
        byId++;
        if (r.body.memos.cache_hit) byIdHits++;
      }
      blockTokens.set(u.id, r.body.memos.tokens.block);
      chatPrompt += r.body.usage.prompt_tokens;
      chatCached += r.body.usage.prompt_tokens_details.cached_tokens;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  // The stand-in counts every request it served (warm-ups too); a real node is read through the chats' own usage.
  const s = stack.stats() ?? { prompt_tokens: chatPrompt, cached_tokens: chatCached, requests: trace.length };
  return { hits, chatPrompt, chatCached, nodePrefill: s.prompt_tokens - s.cached_tokens, nodeRequests: s.requests, blockTokens, byId, byIdHits, replayMs: performance.now() - t0, blockBudget: stack.blockBudgetBytes() };
}

async function searchP95(stack: Stack, userId: string, record: boolean): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < SEARCHES; i++) {
    const t0 = performance.now();
    const r = await call(stack, "POST", "/v1/search", { user_id: userId, query: `what happened ${i % 7}`, top_k: 10, record_access: record });
    times.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`search ${r.status}`);
  }
  return percentile(times.sort((a, b) => a - b), 95);
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const rate = (h: boolean[]) => h.filter(Boolean).length / Math.max(1, h.length);

async function main(): Promise<void> {
  const users = usersOf();
  const random = rng(13);
  // Popularity: a fixed random order of users, Zipf over it.
  const order = users.map((_, i) => i).sort(() => random() - 0.5);
  const pick = zipf(users.length, ZIPF_S, random);
  const trace = Array.from({ length: QUERIES }, () => {
    const user = order[pick()] as number;
    const qs = (users[user] as User).questions;
    return { user, question: qs[Math.floor(random() * qs.length)] as string };
  });
  const distinct = new Set(trace.map((t) => t.user)).size;
  console.log(`scheduler settings: ${OURS_SETTINGS ? JSON.stringify(OURS_SETTINGS) : "the defaults"}; bridge conversation_share: ${process.env.CONVERSATION_SHARE ?? "the default"}`);
  console.log(`bench:scheduler: ${users.length} users (one cube each, ${MEMORIES} memories at most), ${QUERIES} chats, Zipf s=${ZIPF_S} (${distinct} users asked), ${CONCURRENCY} at a time, node budget ${(BUDGET_BYTES / 1e6).toFixed(1)} MB = ${BUDGET_BYTES / KV_BYTES_PER_TOKEN} tokens of KV at ${KV_BYTES_PER_TOKEN} B/token`);
  const stack = await startStack({ budgetBytes: BUDGET_BYTES, kvBytesPerToken: KV_BYTES_PER_TOKEN });
  try {
    // Search p95 with the scheduler's heat recording on and off (record_access), same cube, interleaved runs,
    // first, while no other cube's alarms run in the background.
    const probe = `${"ours"}-probe`;
    const u = users[0] as User;
    await call(stack, "POST", "/v1/memories", { user_id: probe, infer: false, messages: u.texts.map((content) => ({ role: "user", content })) });
    await searchP95(stack, probe, true);
    const on: number[] = [];
    const off: number[] = [];
    for (let i = 0; i < 3; i++) {
      off.push(await searchP95(stack, probe, false));
      on.push(await searchP95(stack, probe, true));
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] as number;
    const added = med(on) - med(off);
    // The probe's block must not warm the node during the replays that follow.
    await call(stack, "PATCH", `/v1/cubes/user:${probe}/scheduler/activation`, { enabled: false });
    console.log(`\nsearch p95 (median of 3 runs of ${SEARCHES}): heat recording off ${med(off).toFixed(2)} ms, on ${med(on).toFixed(2)} ms: ${added >= 0 ? "+" : ""}${added.toFixed(2)} ms`);

    const lru = await replay(stack, users, trace, "lru");
    const ours = await replay(stack, users, trace, "ours");
    // (a): every prompt prefilled in full (the same prompts as (b)).
    const none = lru.chatPrompt;
    // (d): Belady over the block requests of the trace (each user's block, its cl100k tokens as chat reported them), the whole budget for blocks.
    const sizes = trace.map((t) => ({ key: String(t.user), tokens: ours.blockTokens.get((users[t.user] as User).id) ?? 0 }));
    const opt = beladyHits(sizes.map((s) => ({ key: s.key, bytes: s.tokens * KV_BYTES_PER_TOKEN })), BUDGET_BYTES);
    const optSaved = sizes.reduce((s, x, i) => s + (opt[i] ? x.tokens : 0), 0);
    // (e): online LFU per byte over the same block requests and sizes, the whole budget for blocks (offline simulation, like (d)).
    const lfu = lfuHits(sizes.map((s) => ({ key: s.key, bytes: s.tokens * KV_BYTES_PER_TOKEN })), BUDGET_BYTES);
    const lfuSaved = sizes.reduce((s, x, i) => s + (lfu[i] ? x.tokens : 0), 0);
    const rows = [
      ["(a) no activation memory", "0.0%", none, "-", "-"],
      ["(b) node LRU prefix cache alone", pct(rate(lru.hits)), lru.nodePrefill, pct(1 - lru.nodePrefill / none), pct(rate(lru.hits) / Math.max(1e-9, rate(opt)))],
      ["(c) activation scheduler (ours)", pct(rate(ours.hits)), ours.nodePrefill, pct(1 - ours.nodePrefill / none), pct(rate(ours.hits) / Math.max(1e-9, rate(opt)))],
      ["(d) Belady optimal (offline)", pct(rate(opt)), none - optSaved, pct(optSaved / none), "100.0%"],
      ["(e) online LFU per byte (simulated)", pct(rate(lfu)), none - lfuSaved, pct(lfuSaved / none), pct(rate(lfu) / Math.max(1e-9, rate(opt)))],
    ] as const;
    console.log("\npolicy                              hit rate   prefill tokens   saved vs (a)   hit rate / optimal");
    for (const r of rows) console.log(`${r[0].padEnd(36)}${String(r[1]).padStart(8)}   ${String(r[2]).padStart(14)}   ${String(r[3]).padStart(12)}   ${String(r[4]).padStart(10)}`);
    console.log(`\nnode requests: (b) ${lru.nodeRequests} (chats only), (c) ${ours.nodeRequests} (chats + the scheduler's warm-ups, whose prefill is counted above)`);
    console.log(`replays: (b) ${(lru.replayMs / 1000).toFixed(0)} s, (c) ${(ours.replayMs / 1000).toFixed(0)} s; (c) sent ${ours.byId} chats with a block the bridge held (${ours.byIdHits} hits), ${QUERIES - ours.byId} inline (${ours.hits.filter(Boolean).length - ours.byIdHits} hits)`);
    console.log(`(c) blocks' budget on the bridge at the end: ${ours.blockBudget / KV_BYTES_PER_TOKEN} tokens, ${pct(ours.blockBudget / BUDGET_BYTES)} of the node's cache (the rest left to conversations)`);
    console.log("(d) and (e) count only block bytes against the budget and save exactly the block's tokens per hit; (b) and (c) are the node's own counts, conversation KV included.");

    const ofOptimal = rate(ours.hits) / Math.max(1e-9, rate(opt));
    const saved = 1 - ours.nodePrefill / none;
    console.log("\ntargets:");
    console.log(`  hit rate >= 90% of optimal: ${pct(ofOptimal)} ${ofOptimal >= 0.9 ? "MET" : "MISSED"}`);
    console.log(`  prefill >= 45% below (a):   ${pct(saved)} ${saved >= 0.45 ? "MET" : "MISSED"}`);
    console.log(`  search p95 added <= 5 ms:   ${added.toFixed(2)} ms ${added <= 5 ? "MET" : "MISSED"}`);
  } finally {
    await stack.stop();
  }
}

await main();
