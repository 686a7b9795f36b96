import { describe, expect, it } from "vitest";
import { applyDecayAndHeat, demoteSiblings, heatBoost, mmr, removeNearDuplicates, rrf, timeDecay } from "../../src/memory/retrieval/fusion";

const DAY = 86_400_000;

describe("rrf", () => {
  it("computes weighted reciprocal ranks with a per-route breakdown", () => {
    const out = rrf([
      { route: "vector", ids: ["a", "b", "c"] },
      { route: "keyword", ids: ["b", "d"], weight: 2 },
    ]);
    const b = out.find((r) => r.id === "b")!;
    expect(b.score).toBeCloseTo(1 / 62 + 2 / 61, 12);
    expect(b.score_breakdown).toEqual({ vector: 1 / 62, keyword: 2 / 61 });
    expect(out.map((r) => r.id)).toEqual(["b", "d", "a", "c"]);
  });
  it("uses k, ignores zero-weight routes and counts a repeated id once per route", () => {
    const out = rrf([{ route: "x", ids: ["a", "a", "b"] }, { route: "y", ids: ["b"], weight: 0 }], 1);
    expect(out).toEqual([
      { id: "a", score: 1 / 2, score_breakdown: { x: 1 / 2 } },
      { id: "b", score: 1 / 4, score_breakdown: { x: 1 / 4 } },
    ]);
  });
  it("breaks score ties by best rank", () => {
    const out = rrf([{ route: "x", ids: ["a", "b"] }, { route: "y", ids: ["b", "a"] }]);
    expect(out[0]!.score).toBeCloseTo(out[1]!.score, 12);
    expect(out.map((r) => r.id)).toEqual(["a", "b"]);
  });
});

describe("decay and heat", () => {
  it("halves the distance to the floor at one half-life, slower for important memories", () => {
    expect(timeDecay(0, 0, { halfLifeMs: 30 * DAY })).toBe(1);
    expect(timeDecay(30 * DAY, 0, { halfLifeMs: 30 * DAY })).toBeCloseTo(0.75, 12);
    expect(timeDecay(30 * DAY, 1, { halfLifeMs: 30 * DAY })).toBeGreaterThan(0.9);
    expect(timeDecay(3650 * DAY, 0, { halfLifeMs: 30 * DAY, floor: 0.2 })).toBeCloseTo(0.2, 6);
    expect(timeDecay(-DAY, 0, { halfLifeMs: DAY })).toBe(1);
  });
  it("boosts hot memories and not cold ones", () => {
    expect(heatBoost(0, 0, 0)).toBe(1);
    expect(heatBoost(10, 0, 0)).toBeCloseTo(1 + 0.1 * Math.log1p(10), 12);
    expect(heatBoost(10, 0, 70 * DAY)).toBeLessThan(1.01);
  });
  it("reorders fused results and records the factors", () => {
    const now = 100 * DAY;
    const fused = [
      { id: "old", score: 0.03, score_breakdown: { vector: 0.03 } },
      { id: "new", score: 0.025, score_breakdown: { vector: 0.025 } },
    ];
    const facts = { old: { created_at: 0, importance: 0, seen_count: 0, last_seen_at: 0 }, new: { created_at: now, importance: 0, seen_count: 0, last_seen_at: 0 } };
    const out = applyDecayAndHeat(fused, (id) => facts[id as keyof typeof facts], now, { halfLifeMs: 30 * DAY });
    expect(out.map((r) => r.id)).toEqual(["new", "old"]);
    expect(out[1]!.score_breakdown.decay).toBeLessThan(0.6);
    expect(out[0]!.score_breakdown.heat).toBe(1);
  });
});

describe("mmr", () => {
  const vecs: Record<string, number[]> = { a: [1, 0], a2: [0.99, 0.1], b: [0, 1] };
  const get = (id: string) => vecs[id];
  const cands = [{ id: "a", score: 1 }, { id: "a2", score: 0.95 }, { id: "b", score: 0.7 }];
  it("prefers a diverse item over a near copy of the first", () => {
    expect(mmr(cands, get, 0.5, 2).map((c) => c.id)).toEqual(["a", "b"]);
  });
  it("reduces to relevance order with lambda 1", () => {
    expect(mmr(cands, get, 1, 3).map((c) => c.id)).toEqual(["a", "a2", "b"]);
  });
});

describe("removeNearDuplicates", () => {
  it("drops equal hashes and vectors above the threshold, keeping the best", () => {
    const hashes: Record<string, string> = { a: "h1", b: "h1", c: "h2", d: "h3" };
    const vecs: Record<string, number[]> = { a: [1, 0], b: [0, 1], c: [0.999, 0.02], d: [0, 1] };
    const out = removeNearDuplicates([{ id: "a" }, { id: "b" }, { id: "c" }, { id: "d" }], {
      hash: (id) => hashes[id],
      vectors: (id) => vecs[id],
    });
    expect(out.map((r) => r.id)).toEqual(["a", "d"]);
  });
});

describe("demoteSiblings", () => {
  it("scales each repeat of a provenance, keeps the first and keyless results, and re-sorts", () => {
    const src: Record<string, string> = { a: "[m1]", b: "[m1]", c: "[m2]" };
    const out = demoteSiblings(
      [
        { id: "a", score: 1, score_breakdown: {} },
        { id: "b", score: 0.9, score_breakdown: {} },
        { id: "c", score: 0.8, score_breakdown: {} },
        { id: "d", score: 0.7, score_breakdown: {} },
      ],
      (id) => src[id],
      0.5,
    );
    expect(out.map((r) => r.id)).toEqual(["a", "c", "d", "b"]);
    expect(out[3]?.score).toBeCloseTo(0.45, 10);
    expect(out[3]?.score_breakdown.sibling).toBe(0.5);
    expect(out[0]?.score_breakdown.sibling).toBeUndefined();
  });
});
