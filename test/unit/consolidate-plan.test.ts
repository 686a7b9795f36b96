// Consolidation's pure decisions: which memories are related (scope, type, entity, similarity), the merged text, stale plans.
import { describe, expect, it } from "vitest";
import { DEFAULT_CONSOLIDATION_CONFIG as config } from "../../src/memory/consolidate/config";
import { cosine, meanVector, mergeTexts, planMerges, planStale, type ConsolidationItem } from "../../src/memory/consolidate/plan";

let seq = 0;
function item(text: string, over: Partial<ConsolidationItem> = {}): ConsolidationItem {
  seq++;
  return { id: `m${seq}`, seq, user_id: "ann", agent_id: null, type: "fact", text, entities: ["Lyon"], event_time: null, last_seen_at: 0, last_access_at: null, ...over };
}

describe("planMerges", () => {
  it("groups memories of one user, type and entity that are alike, oldest first", () => {
    const a = item("Ann lives in Lyon.");
    const b = item("Ann lives in Lyon with her cat.");
    const c = item("Ann plays the cello.", { entities: ["cello"] });
    const groups = planMerges([c, b, a], config);
    expect(groups.map((g) => g.members.map((m) => m.id))).toEqual([[a.id, b.id]]);
    expect(groups[0]?.entity).toBe("lyon");
  });

  it("never groups across users, agents or types, nor memories that share no entity", () => {
    const base = item("Ann lives in Lyon.");
    const others = [
      item("Ann lives in Lyon.", { user_id: "bob" }),
      item("Ann lives in Lyon.", { agent_id: "helper" }),
      item("Ann lives in Lyon.", { type: "event" }),
      item("Ann lives in Lyon.", { entities: ["Paris"] }),
      item("Ann lives in Lyon.", { entities: [] }),
    ];
    expect(planMerges([base, ...others], config)).toEqual([]);
  });

  it("leaves memories apart that share an entity but say different things", () => {
    expect(planMerges([item("Ann lives in Lyon."), item("The Lyon office closes at six on Fridays.")], config)).toEqual([]);
  });

  it("counts near vectors as related even when the words differ, and not below their own bar", () => {
    const v = new Float32Array([1, 0, 0]);
    const near = new Float32Array([0.99, 0.05, 0]);
    const a = item("Ann resides in Lyon.", { vector: v });
    const b = item("Lyon is home for Ann these days.", { vector: near });
    expect(planMerges([a, b], config)).toHaveLength(1);
    expect(planMerges([a, b], { ...config, min_vector_similarity: 0.9999 })).toHaveLength(0);
  });

  it("chains related pairs into one group, caps it at max_group, and answers the same for any input order", () => {
    const items = [item("Ann lives in Lyon."), item("Ann lives in Lyon now."), item("Ann lives in Lyon now with Tom."), item("Ann lives in Lyon now with Tom and a cat.")];
    const one = planMerges(items, { ...config, max_group: 3 });
    expect(one.map((g) => g.members.map((m) => m.id))).toEqual([items.slice(0, 3).map((m) => m.id)]);
    expect(planMerges([...items].reverse(), { ...config, max_group: 3 })).toEqual(one);
  });

  it("never merges memories that state opposite things (a negation, or preferences of opposite polarity)", () => {
    expect(planMerges([item("Ann eats meat."), item("Ann does not eat meat.")], { ...config, merge_types: ["fact"] })).toEqual([]);
    const love = item("Ann loves coffee.", { type: "preference", entities: ["coffee"] });
    const hate = item("Ann hates coffee.", { type: "preference", entities: ["coffee"] });
    expect(planMerges([love, hate], { ...config, min_similarity: 0.1 })).toEqual([]);
  });

  it("says when a group was cut at max_group, so that the rest is merged in a later run", () => {
    const items = [item("Ann lives in Lyon."), item("Ann lives in Lyon now."), item("Ann lives in Lyon now, happily.")];
    expect(planMerges(items, { ...config, max_group: 2 })[0]?.truncated).toBe(true);
    expect(planMerges(items, config)[0]?.truncated).toBe(false);
  });

  it("merges only the configured types", () => {
    const a = item("Ann prefers window seats.", { type: "preference" });
    const b = item("Ann prefers window seats on trains.", { type: "preference" });
    expect(planMerges([a, b], config)).toHaveLength(1);
    expect(planMerges([a, b], { ...config, merge_types: ["fact"] })).toHaveLength(0);
  });
});

describe("mergeTexts", () => {
  it("keeps every distinct statement once, oldest first, a fuller statement replacing one it holds", () => {
    expect(mergeTexts(["Ann lives in Lyon.", "Ann lives in Lyon with her cat.", "Ann moved to Lyon in 2019."])).toBe("Ann lives in Lyon with her cat. Ann moved to Lyon in 2019.");
  });
  it("drops exact repeats and adds a final period", () => {
    expect(mergeTexts(["Ann likes tea", "ann likes tea.", "Ann hates coffee"])).toBe("Ann likes tea. Ann hates coffee.");
  });
});

describe("planStale", () => {
  const now = Date.parse("2026-06-01T00:00:00Z");
  const day = 86_400_000;
  it("closes plans whose time passed over stale_after_ms ago and that nobody saw or read since", () => {
    const old = item("See the dentist.", { type: "plan", event_time: now - 60 * day, last_seen_at: now - 60 * day });
    const readLately = item("Visit Oslo.", { type: "plan", event_time: now - 60 * day, last_seen_at: now - 60 * day, last_access_at: now - day });
    const recent = item("Call mum.", { type: "plan", event_time: now - 2 * day, last_seen_at: now - 2 * day });
    const undated = item("Learn Go.", { type: "plan", event_time: null, last_seen_at: now - 90 * day });
    const fact = item("Ann was born in 1990.", { type: "fact", event_time: now - 9000 * day, last_seen_at: now - 90 * day });
    expect(planStale([old, readLately, recent, undated, fact], config, now).map((m) => m.id)).toEqual([old.id]);
  });
});

describe("vectors", () => {
  it("averages vectors of one size into a unit vector, and gives none when one is missing", () => {
    const m = meanVector([new Float32Array([1, 0]), new Float32Array([0, 1])]);
    expect(m && cosine(m, new Float32Array([1, 1]))).toBeCloseTo(1, 5);
    expect(meanVector([new Float32Array([1, 0]), undefined])).toBeUndefined();
  });
});
