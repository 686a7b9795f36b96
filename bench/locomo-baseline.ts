// Quick LoCoMo retrieval experiments over turns, no server: the baselines bench:locomo reports
// (plain BM25, stemmed BM25, stemmed BM25 over a window of the session's turns), then purely local
// ideas beside them (LocalEmbedder cosine, RRF fusions).
// Usage: npx tsx bench/locomo-baseline.ts [path/to/locomo.json]
import { LocalEmbedder } from "../src/providers/embedder-local";
import { bm25Plain, bm25Stemmed as stemmedTurns, bm25Window, turnText, type TurnRanker } from "./lib/baselines";
import { Bm25, plainTokens } from "./lib/bm25";
import { type LocomoConversation, type LocomoTurn, loadLocomo } from "./lib/locomo";
import { RecallTable } from "./lib/metrics";

const KS = [1, 5, 10, 20] as const;
const DEPTH = 100; // how deep each route's list goes into fusion

type Ranker = (conv: LocomoConversation, ctx: ConvContext) => (question: string) => number[];

interface ConvContext {
  vectors: Float32Array[];
  embedder: LocalEmbedder;
}


function topByScore(scores: ArrayLike<number>, k: number, positiveOnly = true): number[] {
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!positiveOnly || scores[i]! > 0) idx.push(i);
  idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return idx.slice(0, k);
}

function rrf(lists: readonly (readonly number[])[], weights: readonly number[], k = 60): number[] {
  const score = new Map<number, number>();
  lists.forEach((list, li) => {
    list.forEach((doc, rank) => score.set(doc, (score.get(doc) ?? 0) + (weights[li] ?? 1) / (k + rank + 1)));
  });
  return [...score.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([d]) => d);
}

const fromTurns = (rank: TurnRanker): Ranker => (conv) => {
  const r = rank(conv);
  return (q) => r(q, DEPTH);
};

const bm25TextOnly = (textOf: (t: LocomoTurn) => string): Ranker => (conv) => {
  const index = new Bm25(conv.turns.map((t) => plainTokens(textOf(t))));
  return (q) => index.rank(plainTokens(q), DEPTH);
};

const bm25Stemmed: Ranker = fromTurns(stemmedTurns);

const cosine: Ranker = (conv, ctx) => (q) => {
  const qv = ctx.embedder.embedOne(q);
  const s = ctx.vectors.map((v) => {
    let d = 0;
    for (let i = 0; i < v.length; i++) d += v[i]! * qv[i]!;
    return d;
  });
  return topByScore(s, DEPTH, false);
};

const fused = (rankers: Ranker[], weights: number[]): Ranker => (conv, ctx) => {
  const routes = rankers.map((r) => r(conv, ctx));
  return (q) => rrf(routes.map((r) => r(q)), weights);
};

function main(): void {
  const path = process.argv[2] ?? "../shared/data/locomo/locomo-dev5.json";
  const { conversations, stats } = loadLocomo(path);
  console.log(`loaded ${path}:`, JSON.stringify(stats));
  const embedder = new LocalEmbedder();

  const experiments: [string, Ranker][] = [
    ["bm25 plain (turn text only)", bm25TextOnly((t) => t.text)],
    ["bm25 plain (speaker + text + caption; bench:locomo's plain baseline)", fromTurns(bm25Plain)],
    ["bm25 stemmed, stop words removed", bm25Stemmed],
    ["bm25 stemmed over a window of ±1 turn of the session", fromTurns(bm25Window(1))],
    ["bm25 stemmed over a window of ±2 turns of the session", fromTurns(bm25Window(2))],
    ["bm25 stemmed over a window of ±3 turns of the session", fromTurns(bm25Window(3))],
    ["local embedder cosine", cosine],
    ["rrf(bm25 stemmed, cosine) 1:1", fused([bm25Stemmed, cosine], [1, 1])],
    ["rrf(bm25 stemmed, cosine) 1:0.5", fused([bm25Stemmed, cosine], [1, 0.5])],
    ["rrf(bm25 plain, bm25 stemmed, cosine)", fused([bm25TextOnly((t) => t.text), bm25Stemmed, cosine], [1, 1, 1])],
    ["rrf(bm25 window ±2, cosine)", fused([fromTurns(bm25Window(2)), cosine], [1, 1])],
  ];

  const tables = experiments.map(() => new RecallTable(KS));
  let questions = 0;
  const t0 = performance.now();
  for (const conv of conversations) {
    const ctx: ConvContext = { vectors: conv.turns.map((t) => embedder.embedOne(turnText(t))), embedder };
    const prepared = experiments.map(([, r]) => r(conv, ctx));
    for (const qa of conv.qa) {
      if (qa.category < 1 || qa.category > 4 || qa.evidence.length === 0) continue;
      questions++;
      prepared.forEach((rank, i) => {
        const retrieved = rank(qa.question).map((doc) => [conv.turns[doc]!.diaId]);
        tables[i]!.add(`cat${qa.category}`, retrieved, qa.evidence);
      });
    }
  }
  console.log(`${questions} questions, ${(performance.now() - t0).toFixed(0)} ms\n`);
  experiments.forEach(([name], i) => console.log(tables[i]!.format(name) + "\n"));
}

main();
