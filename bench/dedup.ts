// bench:dedup — the five LoCoMo conversations ingested four times (verbatim, casing and punctuation
// noise, filler words, both) in fast mode through the queue: compression, repeats suppressed,
// throughput; then labeled sentence pairs (PAWS) through the same dedup path: the merge rate of true
// duplicates and the false-merge rate of the rest. Usage: npm run bench:dedup [path/to/locomo.json]
// (DEDUP_PASSES=N runs the first N passes, DEDUP_PAIRS=0 skips the pairs, DEDUP_SHOW=N prints folds.)
import path from "node:path";
import { loadLocomo, type LocomoConversation } from "./lib/locomo";
import { loadPairs, runPairs, type LabeledPair, type PairOutcome } from "./lib/pairs";
import type { MemosClient } from "../packages/client/src/index.ts";
import { startServer, type Server } from "./lib/server";

const DATA = process.argv[2] ?? path.resolve(import.meta.dirname, "..", "..", "shared", "data", "locomo", "locomo-dev5.json");
const PAIRS = process.env.DEDUP_PAIRS_FILE ?? path.resolve(import.meta.dirname, "data", "paws-sample.tsv");

type Pass = "verbatim" | "case+punct" | "filler" | "both";
const PASSES: Pass[] = (["verbatim", "case+punct", "filler", "both"] as const).slice(0, Number(process.env.DEDUP_PASSES ?? 4));

/** Deterministic PRNG so that every run sees the same noise. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const FILLERS = ["um,", "like,", "you know,", "basically", "honestly,", "I mean,", "kind of", "actually,"];

function caseNoise(text: string, r: () => number): string {
  const words = text.split(" ").map((w) => {
    const x = r();
    return x < 0.2 ? w.toUpperCase() : x < 0.5 ? w.toLowerCase() : w;
  });
  let out = words.join(" ").replace(/[.!?]+$/, "");
  const end = r();
  out += end < 0.33 ? "!!" : end < 0.66 ? "..." : "";
  return out.replace(/,/g, () => (r() < 0.5 ? "" : ","));
}

function fillerNoise(text: string, r: () => number): string {
  const words = text.split(" ");
  const out: string[] = [];
  words.forEach((w, i) => {
    if (i > 0 && r() < 0.12) out.push(FILLERS[Math.floor(r() * FILLERS.length)] as string);
    out.push(w);
  });
  return (r() < 0.5 ? `${FILLERS[Math.floor(r() * FILLERS.length)]} ` : "") + out.join(" ");
}

function noisy(text: string, pass: Pass, r: () => number): string {
  if (pass === "case+punct") return caseNoise(text, r);
  if (pass === "filler") return fillerNoise(text, r);
  if (pass === "both") return caseNoise(fillerNoise(text, r), r);
  return text;
}

/** GET /v1/jobs/{id}'s answer, from the OpenAPI document through the client. */
type JobAnswer = Awaited<ReturnType<MemosClient["jobs"]["get"]>>;

function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[a-z0-9]+/g) ?? []);
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const w of a) if (b.has(w)) inter++;
  return inter / (a.size + b.size - inter || 1);
}

let shown = 0;

async function waitJob(server: Server, id: string): Promise<JobAnswer> {
  for (;;) {
    const j = await server.single.jobs.get(id);
    if (j.state === "succeeded" || j.state === "failed") return j;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `lowOverlap`: merges of candidates from different turns whose word sets overlap less than half, a heuristic only (blind to "plays the guitar" / "plays the drums"). */
interface PassTotals { turns: number; replayed: number; candidates: number; added: number; suppressed: number; merges: number; lowOverlap: number; seconds: number }

async function ingestPass(server: Server, conv: LocomoConversation, pass: Pass, diaOf: Map<string, string>, seed: number): Promise<PassTotals> {
  const r = rng(seed);
  const totals: PassTotals = { turns: 0, replayed: 0, candidates: 0, added: 0, suppressed: 0, merges: 0, lowOverlap: 0, seconds: 0 };
  const sessions = new Map<number, typeof conv.turns>();
  for (const t of conv.turns) sessions.set(t.session, [...(sessions.get(t.session) ?? []), t]);
  const started = performance.now();
  const jobs: Array<{ id: string; turns: typeof conv.turns }> = [];
  for (const turns of sessions.values()) {
    const messages = turns.map((t) => ({
      role: t.speaker === conv.speakers[0] ? ("user" as const) : ("assistant" as const),
      name: t.speaker,
      content: noisy(t.caption ? `${t.text} [shared ${t.caption}]` : t.text, pass, r),
      ...(t.sessionTime ? { timestamp: new Date(t.sessionTime).toISOString() } : {}),
    }));
    const res = await server.single.memories.add({ user_id: conv.sampleId, messages, mode: "fast" });
    if (!res.job || res.replayed === undefined) throw new Error(`POST /v1/memories (infer) answered no job`);
    totals.turns += turns.length;
    totals.replayed += res.replayed;
    if (res.replayed < turns.length) jobs.push({ id: res.job.id, turns });
  }
  // Jobs of one cube finish in order: wait for the last, so that polling does not load the server it measures.
  const last = jobs[jobs.length - 1];
  if (last) await waitJob(server, last.id);
  for (const { id, turns } of jobs) {
    const job = await waitJob(server, id);
    if (job.state !== "succeeded" || !job.result) throw new Error(`job ${id} ${job.state}: ${job.error}`);
    job.message_ids.forEach((mid, i) => diaOf.set(mid, turns[i]?.diaId ?? "?"));
    const d = job.result.detail ?? {};
    totals.candidates += d.candidates ?? 0;
    totals.added += (d.added ?? []).length;
    totals.suppressed += (d.repeats ?? 0) + (d.noops ?? 0) + (d.merged ?? []).length;
    totals.merges += (d.merged ?? []).length;
    for (const m of d.merges ?? []) {
      const a = new Set(m.candidate_sources.map((s) => diaOf.get(s) ?? s));
      const b = new Set(m.target_sources.map((s) => diaOf.get(s) ?? s));
      const sameTurn = [...a].some((x) => b.has(x));
      if (!sameTurn && jaccard(words(m.candidate), words(m.target)) < 0.5) {
        totals.lowOverlap++;
        if (Number(process.env.DEDUP_SHOW ?? 0) > shown++) console.log(`low-overlap merge (${pass}):\n  candidate: ${m.candidate}\n  into:      ${m.target}`);
      }
    }
  }
  totals.seconds = (performance.now() - started) / 1000;
  return totals;
}

interface PairTally { pairs: number; merged: number; partial: number }

function tally(pairs: readonly LabeledPair[], outcomes: readonly PairOutcome[], keep: (p: LabeledPair) => boolean) {
  const t = { paraphrase: { pairs: 0, merged: 0, partial: 0 } as PairTally, other: { pairs: 0, merged: 0, partial: 0 } as PairTally, empty: 0 };
  pairs.forEach((p, i) => {
    const o = outcomes[i]!;
    if (!keep(p)) return;
    if (o.kind === "empty") return void t.empty++;
    const row = p.paraphrase ? t.paraphrase : t.other;
    row.pairs++;
    if (o.merged) row.merged++;
    if (o.partial) row.partial++;
  });
  return t;
}

const pct = (n: number, d: number): string => `${d ? ((100 * n) / d).toFixed(1) : "0.0"}%`;

/** The labeled pairs: merge rate of paraphrases, false-merge rate of the others; returns the false-merge share. */
async function labeledPairs(server: Server): Promise<number> {
  const pairs = loadPairs(PAIRS);
  const started = performance.now();
  const outcomes = await runPairs(server, pairs, `pairs-${Date.now().toString(36)}`);
  const seconds = (performance.now() - started) / 1000;
  console.log(`labeled pairs: ${pairs.length} from ${path.relative(process.cwd(), PAIRS)} (PAWS, human labels), each pair in its own cube, A then B in fast mode, ${seconds.toFixed(1)} s`);
  console.log("set        paraphrases  merged (B folded into A)  some statement folded   non-paraphrases  false merges  some statement folded  no memory");
  for (const [label, keep] of [["tuning", (p: LabeledPair) => p.use === "tuning"], ["held-out", (p: LabeledPair) => p.use === "held-out"], ["all", () => true]] as const) {
    const t = tally(pairs, outcomes, keep);
    console.log(
      `${label.padEnd(9)} ${String(t.paraphrase.pairs).padStart(12)} ${`${t.paraphrase.merged} (${pct(t.paraphrase.merged, t.paraphrase.pairs)})`.padStart(25)} ${`${t.paraphrase.partial} (${pct(t.paraphrase.partial, t.paraphrase.pairs)})`.padStart(22)} ${String(t.other.pairs).padStart(18)} ${`${t.other.merged} (${pct(t.other.merged, t.other.pairs)})`.padStart(13)} ${`${t.other.partial} (${pct(t.other.partial, t.other.pairs)})`.padStart(22)} ${String(t.empty).padStart(10)}`,
    );
  }
  const show = Number(process.env.DEDUP_SHOW ?? 0);
  let shownPairs = 0;
  pairs.forEach((p, i) => {
    const o = outcomes[i]!;
    if (o.kind === "decided" && !p.paraphrase && o.partial && shownPairs++ < show) {
      console.log(`${o.merged ? "false merge" : "partial fold"} ${p.split}/${p.id}: ${o.how.join(", ")}\n  A: ${p.a}\n  B: ${p.b}`);
    }
  });
  const all = tally(pairs, outcomes, () => true);
  return all.other.pairs ? all.other.merged / all.other.pairs : 0;
}

const { conversations, stats } = loadLocomo(DATA);
console.log(`bench:dedup — ${stats.conversations} conversations, ${stats.turns} turns, ${PASSES.length} passes, fast mode through the queue; then labeled pairs\n`);
const server = await startServer();
try {
  const diaOf = new Map<string, string>();
  const rows: Array<{ pass: Pass } & PassTotals> = [];
  for (const [p, pass] of PASSES.entries()) {
    const sum: PassTotals = { turns: 0, replayed: 0, candidates: 0, added: 0, suppressed: 0, merges: 0, lowOverlap: 0, seconds: 0 };
    // One conversation at a time: each is one cube, so the throughput is that of a single cube.
    for (const [i, conv] of conversations.entries()) {
      const t = await ingestPass(server, conv, pass, diaOf, 1000 * p + i + 1);
      for (const k of Object.keys(sum) as Array<keyof PassTotals>) sum[k] += t[k];
    }
    rows.push({ pass, ...sum });
  }
  // After the passes, so that the pairs' cubes draining their outboxes do not slow the throughput measured above.
  const falseMergeShare = process.env.DEDUP_PAIRS === "0" ? null : await labeledPairs(server);
  if (rows.length > 0) {
    console.log("\npass         turns  replayed  candidates  stored  suppressed  merges  low-overlap merges  turns/s");
    for (const r of rows) {
      console.log(
        `${r.pass.padEnd(11)} ${String(r.turns).padStart(6)} ${String(r.replayed).padStart(9)} ${String(r.candidates).padStart(11)} ${String(r.added).padStart(7)} ${String(r.suppressed).padStart(11)} ${String(r.merges).padStart(7)} ${String(r.lowOverlap).padStart(19)} ${(r.turns / r.seconds).toFixed(0).padStart(8)}`,
      );
    }
  }
  const candidates = rows.reduce((a, r) => a + r.candidates, 0);
  const stored = rows.reduce((a, r) => a + r.added, 0);
  const repeats = rows.slice(1);
  const repeatCandidates = repeats.reduce((a, r) => a + r.candidates, 0);
  const repeatReplayed = repeats.reduce((a, r) => a + r.replayed, 0);
  const repeatStored = repeats.reduce((a, r) => a + r.added, 0);
  const merges = rows.reduce((a, r) => a + r.merges, 0);
  const lowOverlap = rows.reduce((a, r) => a + r.lowOverlap, 0);
  const lines: string[] = [];
  if (falseMergeShare !== null) lines.push(`false merges (labeled)    ${(falseMergeShare * 100).toFixed(2)}% of the non-paraphrases folded into their pair   (target <= 1%)`);
  if (rows.length > 0) {
    // Two decimals: 74.99% must not print as 75.0%.
    lines.push(`candidates seen           ${candidates}`, `memories stored           ${stored}`, `compression               ${((1 - stored / candidates) * 100).toFixed(2)}%   (target >= 75%)`);
  }
  if (repeats.length > 0) {
    lines.push(`repeats suppressed        ${((1 - repeatStored / repeatCandidates) * 100).toFixed(2)}%   of ${repeatCandidates} candidates of passes 2-4 stored nothing new (target >= 98%); ${repeatReplayed} messages were replays`);
  }
  if (rows.length > 0) {
    lines.push(
      `low-overlap merges        ${lowOverlap} of ${merges} merges (${merges ? ((lowOverlap / merges) * 100).toFixed(2) : "0.00"}%)   (heuristic: different turns, word overlap < 0.5)`,
      `fast-mode throughput      ${(rows[0]!.turns / rows[0]!.seconds).toFixed(0)} turns/s on one cube, end to end through the queue (pass 1; target >= 500)`,
    );
  }
  console.log(`\n${lines.join("\n")}`);
} finally {
  await server.stop();
}
