// Simple LoCoMo retrieval baselines over turns, no server: plain BM25, BM25 with stemming and stop
// words removed, and the same over a window of neighbouring turns of the session. bench:locomo
// prints them beside its own figures; bench/locomo-baseline.ts tries more.
import { terms } from "../../src/memory/text";
import { Bm25, plainTokens } from "./bm25";
import type { LocomoConversation, LocomoTurn } from "./locomo";
import { RecallTable } from "./metrics";

/** What a speaker said, photo caption included, worded as bench:locomo sends it to the service. */
export const turnText = (t: LocomoTurn): string => `${t.speaker}: ${t.text}${t.caption ? ` [shared a photo: ${t.caption}]` : ""}`;

/** Ranks the turns of one conversation for a question: indices of turns, best first. */
export type TurnRanker = (conv: LocomoConversation) => (question: string, depth: number) => number[];

export interface Baseline {
  label: string;
  rank: TurnRanker;
}

/** Plain BM25 over single turns: lowercase alphanumeric tokens, no stemming (the LoCoMo README's baseline). */
export const bm25Plain: TurnRanker = (conv) => {
  const index = new Bm25(conv.turns.map((t) => plainTokens(turnText(t))));
  return (q, depth) => index.rank(plainTokens(q), depth);
};

/** BM25 over single turns with the project's tokenizer: Porter stems, stop words removed. */
export const bm25Stemmed: TurnRanker = (conv) => {
  const index = new Bm25(conv.turns.map((t) => terms(turnText(t))));
  return (q, depth) => index.rank(terms(q), depth);
};

/**
 * Stemmed BM25 where each turn is scored with the turns up to `radius` before and after it in the
 * same session (a question's words are often split between a question and its answer); a result
 * is still the one turn at the window's centre, so recall counts turns as for the others.
 */
export function bm25Window(radius: number): TurnRanker {
  return (conv) => {
    const tokens = conv.turns.map((t) => terms(turnText(t)));
    const docs = conv.turns.map((t, i) => {
      const doc: string[] = [];
      for (let j = Math.max(0, i - radius); j <= Math.min(conv.turns.length - 1, i + radius); j++) {
        if (conv.turns[j]!.session === t.session) doc.push(...tokens[j]!);
      }
      return doc;
    });
    const index = new Bm25(docs);
    return (q, depth) => index.rank(terms(q), depth);
  };
}

/** The baselines bench:locomo reports, weakest idea first. */
export const BASELINES: readonly Baseline[] = [
  { label: "plain BM25 over turns", rank: bm25Plain },
  { label: "BM25, stemmed, stop words removed", rank: bm25Stemmed },
  { label: "stemmed BM25 over a window of ±1 turn", rank: bm25Window(1) },
  { label: "stemmed BM25 over a window of ±2 turns", rank: bm25Window(2) },
];

/** Questions with usable evidence: categories 1-4 (5 is adversarial, no answer in the conversation). */
const scored = (conv: LocomoConversation) => conv.qa.filter((q) => q.category >= 1 && q.category <= 4 && q.evidence.length > 0);

/** Evidence recall of one ranker over all conversations, per QA category and overall. */
export function baselineRecall(rank: TurnRanker, conversations: readonly LocomoConversation[], ks: readonly number[], depth: number): ReturnType<RecallTable["result"]> {
  const table = new RecallTable(ks);
  for (const conv of conversations) {
    const ranker = rank(conv);
    for (const qa of scored(conv)) table.add(`cat${qa.category}`, ranker(qa.question, depth).map((d) => [conv.turns[d]!.diaId]), qa.evidence);
  }
  return table.result();
}
