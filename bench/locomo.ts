// bench:locomo — evidence recall@k of /v1/search on LoCoMo through a real `wrangler dev`, in raw-turn
// mode (infer false, one memory per turn) and fast mode (rule extraction), beside simple baselines
// computed in the same run (plain BM25, stemmed BM25, stemmed BM25 over a window of the session's
// turns) and the ratio of ours to the strongest of them at each k.
// Usage: npm run bench:locomo [path/to/locomo.json]   (LOCOMO_MODES=raw,fast; default both)
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { countTokens } from "../src/memory/retrieval/packing";
import { BASELINES, baselineRecall } from "./lib/baselines";
import { loadLocomo, type LocomoConversation } from "./lib/locomo";
import { ingestFast, ingestRaw, questions, turnContent, type ContextAnswer, type SearchAnswer } from "./lib/locomo-ingest";
import { RecallTable, percentile } from "./lib/metrics";
import { startServer, type Server } from "./lib/server";
import { lineChart } from "./lib/svg";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const KS = [1, 5, 10, 20] as const;
const DEPTH = 20;
const RUN = Date.now().toString(36);

interface ModeReport {
  mode: string;
  memories: number;
  questions: number;
  recall: ReturnType<RecallTable["result"]>;
  context: { budget: number; mean_tokens: number; mean_conversation_tokens: number; mean_ratio: number; max_ratio: number };
  latency_ms: { p50: number; p95: number; p99: number };
  note?: string;
}

async function runMode(server: Server, mode: "raw" | "fast", conversations: LocomoConversation[], convTokens: Map<string, number>): Promise<ModeReport> {
  const table = new RecallTable(KS);
  const latencies: number[] = [];
  const ratios: number[] = [];
  const tokens: number[] = [];
  let budget = 0;
  let memories = 0;
  let asked = 0;
  const failures: string[] = [];
  const users = conversations.map((c) => `${mode}-${c.sampleId}-${RUN}`);
  // Conversations are ingested side by side (one cube each); turns of one conversation in order.
  const maps = await Promise.all(
    conversations.map(async (conv, i) => {
      if (mode === "raw") {
        memories += conv.turns.length;
        return ingestRaw(server, conv, users[i]!);
      }
      const r = await ingestFast(server, conv, users[i]!);
      memories += r.memories;
      if (r.failed) failures.push(`${conv.sampleId}: ${r.failed}`);
      return r.map;
    }),
  );
  if (failures.length) {
    return { mode, memories, questions: 0, recall: {}, context: { budget: 0, mean_tokens: 0, mean_conversation_tokens: 0, mean_ratio: 0, max_ratio: 0 }, latency_ms: { p50: NaN, p95: NaN, p99: NaN }, note: failures.join("; ") };
  }
  // Questions run one at a time so the client-side latency is not queueing.
  for (const [i, conv] of conversations.entries()) {
    const user = users[i]!;
    const map = maps[i]!;
    for (const qa of questions(conv)) {
      const t = performance.now();
      const res: SearchAnswer = await server.single.search({ user_id: user, query: qa.question, top_k: DEPTH });
      latencies.push(performance.now() - t);
      table.add(`cat${qa.category}`, res.results.map((r) => map(r.memory)), qa.evidence);
      const ctx: ContextAnswer = await server.single.context({ user_id: user, query: qa.question });
      budget = ctx.budget;
      tokens.push(ctx.tokens_used);
      ratios.push(ctx.tokens_used / convTokens.get(conv.sampleId)!);
      asked++;
    }
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    mode,
    memories,
    questions: asked,
    recall: table.result(),
    context: { budget, mean_tokens: mean(tokens), mean_conversation_tokens: mean([...convTokens.values()]), mean_ratio: mean(ratios), max_ratio: Math.max(...ratios) },
    latency_ms: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
  };
}

type Recall = ReturnType<RecallTable["result"]>;

/** At each k: the strongest baseline (overall recall_any) and ours divided by it. */
function ratios(ours: Recall, baselines: ReadonlyArray<{ label: string; recall: Recall }>): Array<{ k: number; ours: number; best: string; baseline: number; ratio: number }> {
  return KS.map((k) => {
    const best = baselines.reduce((a, b) => (b.recall.all!.any[k]! > a.recall.all!.any[k]! ? b : a));
    const baseline = best.recall.all!.any[k]!;
    const value = ours.all!.any[k]!;
    return { k, ours: value, best: best.label, baseline, ratio: value / baseline };
  });
}

function printRecall(label: string, r: ReturnType<RecallTable["result"]>): void {
  console.log(label);
  for (const [g, row] of Object.entries(r)) {
    const any = KS.map((k) => `@${k} ${row.any[k]!.toFixed(3)}`).join("  ");
    const all = KS.map((k) => row.all[k]!.toFixed(3)).join(" ");
    console.log(`  ${g.padEnd(6)} n=${String(row.n).padStart(4)}  recall_any ${any}   recall_all ${all}`);
  }
}

async function main(): Promise<void> {
  const file = path.resolve(process.argv[2] ?? path.join(ROOT, "..", "shared", "data", "locomo", "locomo-dev5.json"));
  const modes = (process.env.LOCOMO_MODES ?? "raw,fast").split(",").map((m) => m.trim()) as Array<"raw" | "fast">;
  const { conversations, stats } = loadLocomo(file);
  console.log(`loaded ${file}: ${JSON.stringify(stats)}`);
  const convTokens = new Map(
    conversations.map((c) => [c.sampleId, countTokens(c.turns.map((t) => `[${t.sessionDate ?? ""}] ${t.speaker}: ${turnContent(t)}`).join("\n"))]),
  );
  const baselines = BASELINES.map((b) => ({ label: b.label, recall: baselineRecall(b.rank, conversations, KS, DEPTH) }));
  for (const b of baselines) printRecall(`\nbaseline (same run): ${b.label}`, b.recall);

  const server = await startServer();
  const reports: ModeReport[] = [];
  try {
    for (const mode of modes) {
      const t = performance.now();
      const rep = await runMode(server, mode, conversations, convTokens);
      reports.push(rep);
      console.log(`\nmode ${mode}: ${rep.memories} memories, ${rep.questions} questions, ${((performance.now() - t) / 1000).toFixed(1)} s`);
      if (rep.note) {
        console.log(`  no figures: ${rep.note}`);
        continue;
      }
      printRecall(`ours (${mode})`, rep.recall);
      const c = rep.context;
      console.log(`  context at the default budget (${c.budget}): ${c.mean_tokens.toFixed(0)} tokens vs ${c.mean_conversation_tokens.toFixed(0)} for the whole conversation: ${(100 * c.mean_ratio).toFixed(2)}% (max ${(100 * c.max_ratio).toFixed(2)}%)`);
      console.log(`  search latency over HTTP: p50 ${rep.latency_ms.p50.toFixed(1)} ms, p95 ${rep.latency_ms.p95.toFixed(1)} ms, p99 ${rep.latency_ms.p99.toFixed(1)} ms`);
    }
  } finally {
    await server.stop();
  }
  const done = reports.filter((x) => !x.note);
  console.log(`\nrecall_any, all ${done[0]?.recall.all?.n ?? ""} questions   ${KS.map((k) => `@${k}`.padStart(6)).join(" ")}`);
  for (const b of baselines) console.log(`  ${b.label.padEnd(42)} ${KS.map((k) => b.recall.all!.any[k]!.toFixed(3).padStart(6)).join(" ")}`);
  for (const r of done) {
    console.log(`  ${`ours, ${r.mode} mode`.padEnd(42)} ${KS.map((k) => r.recall.all!.any[k]!.toFixed(3).padStart(6)).join(" ")}`);
    console.log(`  ${`  ratio to the strongest baseline`.padEnd(42)} ${ratios(r.recall, baselines).map((x) => x.ratio.toFixed(2).padStart(6)).join(" ")}`);
  }
  const strongest = done[0] ? ratios(done[0].recall, baselines) : [];
  if (strongest.length) console.log(`  strongest baseline at each k: ${strongest.map((x) => `@${x.k} ${x.best}`).join("; ")}`);
  for (const r of done) {
    const ok = r.recall.all!.any[10]! >= 0.75 && r.recall.all!.any[5]! >= 0.65 && r.context.max_ratio <= 0.05;
    console.log(`${r === done[0] ? "\n" : ""}targets (${r.mode}): recall_any@10 >= 0.75, @5 >= 0.65, context <= 5%: ${ok ? "met" : "NOT met"}`);
  }

  const out = path.join(ROOT, "bench", "results");
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, "locomo.json"),
    JSON.stringify(
      { data: path.basename(file), stats, ks: KS, baselines, modes: reports.map((r) => ({ ...r, ...(r.note ? {} : { ratio_to_strongest_baseline: ratios(r.recall, baselines) }) })), node: process.version },
      null,
      2,
    ) + "\n",
  );
  const colors: Record<string, string> = { raw: "#1f6feb", fast: "#2da44e" };
  const series = [
    ...reports.filter((r) => !r.note).map((r) => ({ label: `ours, ${r.mode} mode`, color: colors[r.mode] ?? "#888", points: KS.map((k) => ({ x: k, y: r.recall.all!.any[k]! })) })),
    ...baselines.map((b, i) => ({ label: b.label.replace("stemmed BM25 over a window of", "BM25 window"), color: ["#cf222e", "#bf8700", "#8250df", "#57606a"][i] ?? "#888", dashed: true, points: KS.map((k) => ({ x: k, y: b.recall.all!.any[k]! })) })),
  ];
  writeFileSync(path.join(out, "locomo.svg"), lineChart(`LoCoMo ${path.basename(file)}: evidence recall_any@k`, KS, series) + "\n");
  console.log(`\nwrote bench/results/locomo.json and bench/results/locomo.svg`);
}

await main();
