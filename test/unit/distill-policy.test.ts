// Parameter memory's pure policy: what is stable enough to distill, contradictions, when an adapter is out of date, the training set.
import { describe, expect, it } from "vitest";
import { DEFAULT_DISTILL_CONFIG as defaults } from "../../src/memory/distill/config";
import { changedShare, contradicts, pollDelayMs, retryDelayMs, selectStable, type DistillItem } from "../../src/memory/distill/policy";
import { buildTrainingSet, questionFor, SYSTEM_PROMPT } from "../../src/memory/distill/dataset";

const DAY = 86_400_000;
const now = Date.parse("2026-06-01T00:00:00Z");
let n = 0;
function item(text: string, over: Partial<DistillItem> = {}): DistillItem {
  n++;
  return { id: `m${String(n).padStart(3, "0")}`, version: 1, user_id: "ann", type: "fact", text, entities: ["x"], created_at: now - 30 * DAY, seen_count: 3, access_count: 0, ...over };
}

describe("selectStable", () => {
  it("keeps old, confirmed, read-enough memories of a lasting type, and nothing else", () => {
    const ok = item("Ann lives in Lyon.", { entities: ["Lyon"] });
    const young = item("Ann bought a bike.", { created_at: now - DAY, entities: ["bike"] });
    const once = item("Ann likes jazz.", { seen_count: 1, entities: ["jazz"] });
    const plan = item("Ann will fly to Rome.", { type: "plan", entities: ["Rome"] });
    const pref = item("Ann prefers window seats.", { type: "preference", entities: ["seats"] });
    expect(selectStable([ok, young, once, plan, pref], defaults, now).map((m) => m.id).sort()).toEqual([ok.id, pref.id].sort());
    expect(selectStable([ok, pref], { ...defaults, min_accesses: 1 }, now)).toEqual([]);
  });

  it("leaves out both sides of an open contradiction", () => {
    const eats = item("Ann eats meat.", { entities: ["meat"] });
    const not = item("Ann does not eat meat.", { entities: ["meat"] });
    const other = item("Ann keeps a cat.", { entities: ["cat"] });
    expect(selectStable([eats, not, other], defaults, now).map((m) => m.id)).toEqual([other.id]);
  });

  it("orders by confirmations, then age, then id, and caps at max_examples", () => {
    const a = item("A.", { seen_count: 2, entities: ["a"] });
    const b = item("B.", { seen_count: 5, entities: ["b"] });
    const c = item("C.", { seen_count: 2, created_at: now - 60 * DAY, entities: ["c"] });
    expect(selectStable([a, b, c], defaults, now).map((m) => m.id)).toEqual([b.id, c.id, a.id]);
    expect(selectStable([a, b, c], { ...defaults, max_examples: 1 }, now).map((m) => m.id)).toEqual([b.id]);
  });
});

describe("contradicts", () => {
  it("needs a shared entity, the same words and exactly one negation", () => {
    expect(contradicts({ text: "Bo likes tea.", entities: ["tea"] }, { text: "Bo doesn't like tea.", entities: ["tea"] })).toBe(true);
    expect(contradicts({ text: "Bo likes tea.", entities: ["tea"] }, { text: "Bo doesn't like tea.", entities: ["coffee"] })).toBe(false);
    expect(contradicts({ text: "Bo likes tea.", entities: ["tea"] }, { text: "Bo likes green tea.", entities: ["tea"] })).toBe(false);
    expect(contradicts({ text: "Bo likes tea.", entities: ["tea"] }, { text: "Bo never drives at night near the tea shop.", entities: ["tea"] })).toBe(false);
  });
});

describe("changedShare", () => {
  it("counts changed and gone sources and new stable memories over the larger set", () => {
    const trained = [{ id: "a", version: 1 }, { id: "b", version: 1 }, { id: "c", version: 1 }, { id: "d", version: 1 }];
    expect(changedShare(trained, trained)).toBe(0);
    expect(changedShare(trained, [{ id: "a", version: 2 }, { id: "b", version: 1 }, { id: "c", version: 1 }, { id: "d", version: 1 }])).toBe(0.25);
    expect(changedShare(trained, [{ id: "a", version: 1 }, { id: "b", version: 1 }])).toBe(0.5);
    expect(changedShare(trained, [...trained, { id: "e", version: 1 }])).toBe(0.2);
    expect(changedShare([], [])).toBe(0);
  });
});

describe("backoffs", () => {
  it("polls at poll_ms doubling to poll_max_ms, and retries a failed user after 1 min doubling to a day", () => {
    expect([0, 1, 2, 10].map((p) => pollDelayMs(p, { poll_ms: 1_000, poll_max_ms: 5_000 }))).toEqual([1_000, 2_000, 4_000, 5_000]);
    expect([1, 2, 3, 30].map(retryDelayMs)).toEqual([60_000, 120_000, 240_000, 86_400_000]);
  });
});

describe("training set", () => {
  it("is chat-format JSONL of system, a question from the type and entity, and the memory's text, with a hash that depends only on the memories", async () => {
    const a = item("Ann lives in Lyon.", { entities: ["Lyon"] });
    const p = item("Ann prefers tea.", { type: "preference", entities: ["tea"] });
    const r = item("Mia is Ann's sister.", { type: "relationship", entities: ["Mia"] });
    const set = await buildTrainingSet([a, p, r]);
    expect(set.lines.map((l) => JSON.parse(l))).toEqual([
      { messages: [{ role: "system", content: SYSTEM_PROMPT }, { role: "user", content: "What do you remember about Lyon?" }, { role: "assistant", content: "Ann lives in Lyon." }] },
      { messages: [{ role: "system", content: SYSTEM_PROMPT }, { role: "user", content: "What are my preferences about tea?" }, { role: "assistant", content: "Ann prefers tea." }] },
      { messages: [{ role: "system", content: SYSTEM_PROMPT }, { role: "user", content: "Who is Mia to me?" }, { role: "assistant", content: "Mia is Ann's sister." }] },
    ]);
    expect(set.sources).toEqual([a, p, r].map((m) => ({ id: m.id, version: m.version })));
    expect((await buildTrainingSet([a, p, r])).hash).toBe(set.hash);
    expect((await buildTrainingSet([a, p])).hash).not.toBe(set.hash);
    expect(questionFor({ type: "fact", entities: [] })).toBe("What do you remember about me?");
  });

  it("adds nothing but the stored (desensitized) text and entity: a placeholder stays a placeholder", async () => {
    const m = item("[EMAIL_1] is Ann's work address.", { entities: ["[PERSON_2]"] });
    const line = (await buildTrainingSet([m])).lines[0] as string;
    expect(line).toContain("[EMAIL_1] is Ann's work address.");
    expect(line).toContain("What do you remember about [PERSON_2]?");
  });
});
