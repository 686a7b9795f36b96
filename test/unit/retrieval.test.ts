// Query analysis of the retrieval routes, without storage: FTS5 MATCH building, name candidates,
// nicknames, spreading to neighbours, default weights.
import { describe, expect, it } from "vitest";
import { defaultWeights, entityCandidates, ftsMatch, nicknameCandidates, queryWords, restrictThenAppend, spreadToNeighbours } from "../../src/memory/retrieval/query";

describe("ftsMatch", () => {
  it("ORs quoted words so that no FTS5 operator in the query takes effect", () => {
    expect(ftsMatch(queryWords('hiking" OR text:* NEAR(a b)'))).toBe('"hiking" OR "text" OR "near" OR "b"');
    expect(ftsMatch(["paint"], { prefixMin: 4, column: "entities" })).toBe('entities : ("paint"*)');
    expect(ftsMatch(queryWords("what is the"))).toBeNull();
  });
});

describe("entityCandidates", () => {
  it("keeps runs of one to three words that neither start nor end with a stop word", () => {
    const c = entityCandidates("Did Caroline visit New York with Dr Smith?");
    expect(c).toEqual(expect.arrayContaining(["caroline", "new york", "dr smith"]));
    expect(c).not.toContain("did");
    expect(c).not.toContain("york with");
  });
});

describe("nicknameCandidates", () => {
  it("keeps capitalized words after the first, of three letters or more, lowercased", () => {
    expect(nicknameCandidates("What did Mel and her kids make?")).toEqual(["mel"]);
    expect(nicknameCandidates("Mel went where")).toEqual([]);
    expect(nicknameCandidates("did Jo or Caro call, or the car")).toEqual(["caro"]);
    expect(nicknameCandidates("is THE plan ok for NASA")).toEqual([]);
  });
});

describe("spreadToNeighbours", () => {
  it("lends a share of each hit's score to its neighbours and re-sorts", () => {
    const out = spreadToNeighbours([{ seq: 1, score: 2 }, { seq: 5, score: 1 }], new Map([[1, [2]]]), 0.5);
    expect(out).toEqual([{ seq: 1, score: 2 }, { seq: 2, score: 1 }, { seq: 5, score: 1 }]);
    expect(spreadToNeighbours([{ seq: 1, score: 2 }], new Map([[1, [2]]]), 0)).toEqual([{ seq: 1, score: 2 }]);
  });
});

describe("restrictThenAppend", () => {
  it("orders the kept set by the ranking first, then the rest in its own order", () => {
    expect(restrictThenAppend([9, 3, 7, 1], new Set([1, 3, 4]), [4, 3, 1, 6], 10)).toEqual([3, 1, 4, 6]);
  });
});

describe("defaultWeights", () => {
  it("weights recency only when the query asks for the latest, and a lexical embedder lightly", () => {
    expect(defaultWeights("local-hash-v1", "what is her job").recency).toBe(0);
    expect(defaultWeights("local-hash-v1", "what is her current job").recency).toBeGreaterThan(0);
    expect(defaultWeights("local-hash-v1").vector).toBeLessThan(defaultWeights("@cf/baai/bge-small-en-v1.5").vector);
  });
});
