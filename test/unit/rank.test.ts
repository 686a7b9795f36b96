// The ranking pipeline of a cube search as a pure function: normalized fusion, threshold, top k,
// siblings demoted, and the recency order; no storage involved.
import { describe, expect, it } from "vitest";
import { rank, recencyOrder, type RankFacts } from "../../src/memory/retrieval/rank";

const NOW = Date.UTC(2024, 5, 1);
const fact = (over: Partial<RankFacts> = {}): RankFacts => ({
  created_at: NOW,
  valid_from: NOW,
  event_time: null,
  importance: 0.5,
  access_count: 0,
  last_access_at: null,
  hash: `h${Math.random()}`,
  source_message_ids: `["m${Math.random()}"]`,
  ...over,
});
const weights = { vector: 1, keyword: 1, entity: 1, time: 1, recency: 1 };
const opts = { weights, reference: NOW, halfLifeMs: 30 * 86_400_000, mmrLambda: 1, threshold: 0, topK: 10, vectorsFor: () => () => undefined };

describe("rank", () => {
  it("scores 1 for what is first on every route, and orders the rest by fused rank", () => {
    const facts = new Map([1, 2, 3].map((s) => [s, fact()] as const));
    const out = rank({ keyword: [1, 2, 3], vector: [1, 2, 3] }, facts, opts);
    expect(out.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(out[0]?.score).toBeCloseTo(1, 6);
    expect(out[1]?.score).toBeLessThan(out[0]?.score ?? 0);
    expect(Object.keys(out[0]?.score_breakdown ?? {})).toEqual(expect.arrayContaining(["keyword", "vector"]));
  });

  it("drops what scores below the threshold and keeps at most top k", () => {
    const facts = new Map([1, 2, 3, 4].map((s) => [s, fact()] as const));
    const all = rank({ keyword: [1, 2, 3, 4] }, facts, opts);
    expect(rank({ keyword: [1, 2, 3, 4] }, facts, { ...opts, topK: 2 }).map((r) => r.seq)).toEqual(all.slice(0, 2).map((r) => r.seq));
    const cut = (all[1]?.score ?? 0) + 1e-9;
    expect(rank({ keyword: [1, 2, 3, 4] }, facts, { ...opts, threshold: cut }).map((r) => r.seq)).toEqual([1]);
  });

  it("demotes a second memory drawn from the same source messages below one that is not", () => {
    const same = '["m1"]';
    const facts = new Map([
      [1, fact({ source_message_ids: same })],
      [2, fact({ source_message_ids: same })],
      [3, fact()],
    ]);
    expect(rank({ keyword: [1, 2, 3] }, facts, opts).map((r) => r.seq)).toEqual([1, 3, 2]);
  });

  it("orders the recency route by age and importance", () => {
    const day = 86_400_000;
    const facts = new Map([
      [1, fact({ valid_from: NOW - 60 * day })],
      [2, fact({ valid_from: NOW - day })],
      [3, fact({ valid_from: NOW - 60 * day, importance: 1 })],
    ]);
    expect(recencyOrder([1, 2, 3], facts, NOW, 30 * day, 10)).toEqual([2, 3, 1]);
  });
});
