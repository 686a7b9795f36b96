// bench:ingest — memories per second for infer:false adds over HTTP (@memos-edge/client), batches of 1 and 100, one cube,
// and raw messages accepted per second (infer true: stored, sealed, a job queued); governance on and off in the same run.
import { compareGovernance, GOVERNANCE_BASELINE_REF, startBaselineServer } from "./lib/baseline-server";
import { percentile, startServer, type Server } from "./lib/server";

const SENTENCES = [
  "prefers green tea in the morning",
  "is planning a trip to Lisbon in May",
  "works as a nurse at the city hospital",
  "adopted a cat named Miso last year",
  "runs a half marathon every autumn",
  "is learning to play the cello",
];

/** One text in ten names an email address, so that desensitization has values to mask and vault. */
function text(i: number): string {
  return `User ${i % 97} ${SENTENCES[i % SENTENCES.length]} (note ${i}${i % 10 === 0 ? `, write to user${i % 97}@example.com` : ""})`;
}

/** Requests of `batch` texts from `concurrency` clients, numbered from `from` (texts differ across rounds); raw figures, summed over rounds by `total`. */
async function run(server: Server, batch: number, from: number, requests: number, concurrency: number, user: string, infer = false) {
  let next = from;
  const end = from + requests;
  const latencies: number[] = [];
  const started = performance.now();
  const worker = async () => {
    while (next < end) {
      const r = next++;
      const messages = Array.from({ length: batch }, (_, j) => ({ role: "user" as const, content: text(r * batch + j) }));
      const t = performance.now();
      await server.single.memories.add({ user_id: user, infer, messages });
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { memories: batch * requests, seconds: (performance.now() - started) / 1000, latencies };
}
type Raw = Awaited<ReturnType<typeof run>>;

function total(parts: readonly Raw[]) {
  const memories = parts.reduce((s, p) => s + p.memories, 0);
  const seconds = parts.reduce((s, p) => s + p.seconds, 0);
  const latencies = parts.flatMap((p) => p.latencies).sort((a, b) => a - b);
  return { memories, seconds, perSecond: memories / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

type Case = { label: string; batch: number; requests: number; concurrency: number; infer?: boolean };
const CASES: Case[] = [
  { label: "batch 1, 1 client", batch: 1, requests: 400, concurrency: 1 },
  { label: "batch 1, 8 clients", batch: 1, requests: 600, concurrency: 8 },
  { label: "batch 100, 1 client", batch: 100, requests: 60, concurrency: 1 },
  { label: "batch 100, 4 clients", batch: 100, requests: 80, concurrency: 4 },
  { label: "messages 100, 4 clients", batch: 100, requests: 40, concurrency: 4, infer: true },
];
type Result = ReturnType<typeof total>;

/**
 * Each case runs in ROUNDS parts, the sides taking turns (on, off, off, on, ...): a change of load
 * on the machine (another process, a background job or alarm of either server) falls on both alike
 * instead of on whichever side ran the case second.
 */
const ROUNDS = Number(process.env.INGEST_ROUNDS ?? 4);

function table(title: string, rows: Array<{ label: string } & Result>): void {
  console.log(`\n${title}\n`);
  console.log("case                      memories   seconds   memories/s   req p50 ms   req p95 ms");
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(25)} ${String(r.memories).padStart(8)} ${r.seconds.toFixed(2).padStart(9)} ${r.perSecond.toFixed(0).padStart(12)} ${r.p50.toFixed(1).padStart(12)} ${r.p95.toFixed(1).padStart(12)}`,
    );
  }
}

const on = await startServer();
// Governance off: the same workload against the commit before the governance layer.
const off = compareGovernance ? await startBaselineServer() : null;
try {
  // Warm up the isolates, the cubes and the D1 connections.
  for (const s of [on, off]) if (s) await run(s, 10, 0, 5, 1, "bench-warmup");
  const rowsOn: Array<{ label: string } & Result> = [];
  const rowsOff: Array<{ label: string } & Result> = [];
  for (const [i, c] of CASES.entries()) {
    const user = `bench-${i}-${Date.now().toString(36)}`;
    const parts = { on: [] as Raw[], off: [] as Raw[] };
    const per = Math.ceil(c.requests / ROUNDS);
    for (let round = 0, from = 0; from < c.requests; round++, from += per) {
      const n = Math.min(per, c.requests - from);
      const order = off ? (round % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const)) : (["on"] as const);
      for (const side of order) parts[side].push(await run(side === "on" ? on : (off as Server), c.batch, from, n, c.concurrency, user, c.infer));
    }
    rowsOn.push({ label: c.label, ...total(parts.on) });
    if (off) rowsOff.push({ label: c.label, ...total(parts.off) });
  }
  table("bench:ingest — adds through HTTP into one cube per row (wrangler dev, local); \"messages\": raw messages accepted (infer true)", rowsOn);
  console.log("\ntarget: >= 1000 memories/s in batches on one cube");
  if (off) {
    table(`governance off (${GOVERNANCE_BASELINE_REF}, before grants, audit, privacy, encryption, watermarks), same cases:`, rowsOff);
    console.log("\nthroughput with governance on against off:");
    for (const [i, r] of rowsOn.entries()) {
      const o = rowsOff[i] as Result;
      const cost = (1 - r.perSecond / o.perSecond) * 100;
      console.log(`${r.label.padEnd(25)} ${r.perSecond.toFixed(0).padStart(7)}/s vs ${o.perSecond.toFixed(0).padStart(7)}/s   ${cost >= 0 ? "-" : "+"}${Math.abs(cost).toFixed(1)}%`);
    }
    console.log("target: encryption and desensitization take at most 25% of ingest throughput");
  }
} finally {
  await on.stop();
  await off?.stop();
}
