// Three-stage dedup classifier, the wording guard, and the rule judge.
import { describe, expect, it } from "vitest";
import { parseAttribute } from "../../src/memory/dedup/attributes";
import { classifyCandidate, cosine, DEFAULT_DEDUP_THRESHOLDS } from "../../src/memory/dedup/classify";
import { decideByRules, RuleJudge } from "../../src/memory/dedup/judge-rules";
import { addedWords, sameWording, wording } from "../../src/memory/dedup/lexical";
import { contentHash } from "../../src/memory/text";
import type { CandidateMemory, Memory } from "../../src/memory/types";

let seq = 0;
async function mem(text: string, over: Partial<Memory> = {}): Promise<Memory> {
  const now = Date.UTC(2024, 0, 1);
  return {
    id: `mem_${++seq}`, tenant_id: "t", cube_id: "c", user_id: "u1", agent_id: null, session_id: null,
    text, type: "fact", tags: [], entities: ["Caroline"], metadata: {}, importance: 0.5, state: "active",
    version: 1, hash: await contentHash(text), created_at: now, updated_at: now, valid_from: now, valid_to: null,
    event_time: null, source_message_ids: ["m0"], seen_count: 1, last_seen_at: now, ...over,
  };
}
const cand = (text: string, entities = ["Caroline"]): CandidateMemory => ({
  text, type: "fact", entities, importance: 0.5, event_time: null, source_message_ids: ["m1"],
});
const scope = { user_id: "u1", agent_id: null };

describe("classifyCandidate", () => {
  it("exact: equal hash within scope is a repeat, even with low similarity", async () => {
    const m = await mem("Caroline likes tea.");
    const c = cand("caroline likes TEA");
    const v = classifyCandidate({ candidate: c, hash: await contentHash(c.text), scope, neighbours: [{ memory: m, similarity: 0.1 }] });
    expect(v).toEqual({ stage: "repeat", target: m });
  });

  it("exact: the same hash in another user's scope or a superseded row is not a repeat", async () => {
    const other = await mem("Caroline likes tea.", { user_id: "u2" });
    const closed = await mem("Caroline likes tea.", { valid_to: Date.UTC(2024, 1, 1) });
    const v = classifyCandidate({ candidate: cand("Caroline likes tea."), hash: other.hash, scope, neighbours: [{ memory: other, similarity: 1 }, { memory: closed, similarity: 1 }] });
    expect(v.stage).toBe("add");
  });

  it("near: cosine at or above the threshold merges into the most similar neighbour", async () => {
    const a = await mem("Caroline enjoys green tea every morning.");
    const b = await mem("Caroline drinks coffee.");
    const c = cand("Every morning Caroline enjoys green tea.");
    const v = classifyCandidate({ candidate: c, hash: await contentHash(c.text), scope, neighbours: [{ memory: b, similarity: 0.7 }, { memory: a, similarity: 0.93 }] });
    expect(v).toMatchObject({ stage: "merge", target: a });
  });

  it("near: below the threshold does not merge; a configurable threshold does", async () => {
    const a = await mem("Caroline enjoys green tea every morning.");
    // Interjections that are content terms to the lexical signal: no lift, only the cosine counts.
    const c = cand("Haha lol, Caroline enjoys green tea every morning.");
    const h = await contentHash(c.text);
    expect(classifyCandidate({ candidate: c, hash: h, scope, neighbours: [{ memory: a, similarity: 0.85 }] }).stage).toBe("judge");
    expect(classifyCandidate({ candidate: c, hash: h, scope, neighbours: [{ memory: a, similarity: 0.85 }], thresholds: { near: 0.8 } }).stage).toBe("merge");
  });

  it("conflict: the middle band goes to the judge; below it is an add", async () => {
    const a = await mem("Caroline went hiking in the Alps.");
    const c = cand("Caroline went hiking with her dog Rex yesterday.");
    const h = await contentHash(c.text);
    const band = classifyCandidate({ candidate: c, hash: h, scope, neighbours: [{ memory: a, similarity: 0.7 }] });
    expect(band).toEqual({ stage: "judge", reason: "band", neighbours: [{ memory: a, similarity: 0.7 }] });
    expect(classifyCandidate({ candidate: c, hash: h, scope, neighbours: [{ memory: a, similarity: 0.59 }] })).toEqual({ stage: "add" });
  });

  it("near: the same content terms merge even when fillers and noise lowered the cosine", async () => {
    const a = await mem("Caroline adopted a tabby cat named Miso from the city shelter.");
    const c = cand("So um Caroline ADOPTED, you know, a tabby cat named Miso from the city shelter basically!!");
    const v = classifyCandidate({ candidate: c, hash: await contentHash(c.text), scope, neighbours: [{ memory: a, similarity: 0.62 }] });
    expect(v).toMatchObject({ stage: "merge", target: a });
    expect((v as { similarity: number }).similarity).toBeGreaterThanOrEqual(0.9);
    const other = cand("Caroline adopted a beagle named Rex from a breeder.");
    expect(classifyCandidate({ candidate: other, hash: await contentHash(other.text), scope, neighbours: [{ memory: a, similarity: 0.5 }] }).stage).not.toBe("merge");
  });

  it("conflict: same subject and attribute with another value is judged, never merged", async () => {
    const a = await mem("Caroline lives in Paris.");
    const c = cand("Caroline lives in Berlin.");
    const v = classifyCandidate({ candidate: c, hash: await contentHash(c.text), scope, neighbours: [{ memory: a, similarity: 0.97 }] });
    expect(v).toMatchObject({ stage: "judge", reason: "slot" });
  });

  it("near: the same words in another order, another word, a number or a negation go to the judge, never merge", async () => {
    const pairs: Array<[string, string]> = [
      ["The Tabaci River is a tributary of the Leurda River in Romania.", "The Leurda River is a tributary of the Tabaci River in Romania."],
      ["Caroline plays the guitar in a band.", "Caroline plays the drums in a band."],
      ["Caroline has 2 dogs and a cat.", "Caroline has 3 dogs and a cat."],
      ["Caroline likes hiking in the Alps.", "Caroline does not like hiking in the Alps."],
      ["His parents came to Germany from Erie.", "His parents came from Germany to Erie."],
      ["On 8 May 2015, Michel Soro Tapia lost.", "On 8 May 2015, Tapia lost Michel Soro."],
    ];
    for (const [old, said] of pairs) {
      const a = await mem(old);
      const c = cand(said);
      const v = classifyCandidate({ candidate: c, hash: await contentHash(c.text), scope, neighbours: [{ memory: a, similarity: 0.97 }] });
      expect(v.stage, said).toBe("judge");
      expect(decideByRules(c, [a]).action, said).toBe("ADD");
    }
  });

  it("near: a time or place phrase moved as a whole, fillers and unresolved pronouns still merge", async () => {
    const pairs: Array<[string, string]> = [
      ["The family moved to Camp Hill in 1972.", "In 1972 the family moved to Camp Hill."],
      ["Let Maria know if John needs any help.", "If John needs any help, let Maria know!"],
      ["Art helps Melanie understand each other.", "Art, you know, helps US understand each other!!"],
      ["It was a long process, but they're happy now.", "Um, it was like a long process but they're happy now..."],
    ];
    for (const [old, said] of pairs) {
      const a = await mem(old);
      const c = cand(said);
      expect(classifyCandidate({ candidate: c, hash: await contentHash(c.text), scope, neighbours: [{ memory: a, similarity: 0.95 }] }).stage, said).toBe("merge");
    }
  });

  it("computes cosine from vectors when no similarity is given", async () => {
    const a = await mem("Caroline paints sunsets.");
    const c = cand("Caroline really paints sunsets.");
    const v = classifyCandidate({
      candidate: c, hash: await contentHash(c.text), scope, vector: new Float32Array([1, 0, 0]),
      neighbours: [{ memory: a, vector: new Float32Array([0.95, 0.05, 0]) }],
    });
    expect(v.stage).toBe("merge");
    expect(cosine(new Float32Array([1, 0]), new Float32Array([0, 1]))).toBe(0);
    expect(DEFAULT_DEDUP_THRESHOLDS).toEqual({ near: 0.9, judgeLow: 0.6, lexicalNear: 0.8 });
  });
});

describe("rule judge", () => {
  it("parses attribute slots", () => {
    expect(parseAttribute("Caroline moved to Berlin last month.")).toMatchObject({ subject: "caroline", attribute: "lives in", value: "berlin", change: true });
    expect(parseAttribute("Caroline's favorite color is now green.")).toMatchObject({ attribute: "favorite color", value: "green" });
    expect(parseAttribute("Caroline loves pizza.")).toBeNull();
  });

  it("supersedes a changed value in the same slot", async () => {
    const old = await mem("Caroline lives in Paris.");
    const other = await mem("Caroline likes tea.");
    expect(decideByRules(cand("Caroline moved to Berlin."), [other, old])).toMatchObject({ action: "SUPERSEDE", target_id: old.id });
    const color = await mem("Caroline's favorite color is blue.");
    expect(decideByRules(cand("Caroline's favorite color is green now."), [color])).toMatchObject({ action: "SUPERSEDE", target_id: color.id });
  });

  it("supersedes on negation: no longer / not anymore", async () => {
    const old = await mem("Caroline works at Google.");
    expect(decideByRules(cand("Caroline no longer works at Google."), [old])).toMatchObject({ action: "SUPERSEDE", target_id: old.id });
    const yoga = await mem("Caroline does yoga every week.");
    expect(decideByRules(cand("Caroline does not do yoga every week anymore."), [yoga])).toMatchObject({ action: "SUPERSEDE", target_id: yoga.id });
  });

  it("noop on identical or contained content; same value in the slot", async () => {
    const old = await mem("Caroline lives in Paris.");
    expect(decideByRules(cand("caroline lives in paris!"), [old])).toMatchObject({ action: "NOOP", target_id: old.id });
    expect(decideByRules(cand("Caroline lives in Paris since 2019."), [old])).toMatchObject({ action: "NOOP", target_id: old.id });
    const long = await mem("Caroline adopted a dog named Max from the shelter.");
    expect(decideByRules(cand("Caroline adopted a dog named Max."), [long])).toMatchObject({ action: "NOOP", target_id: long.id });
  });

  it("updates when the candidate adds detail to the same fact", async () => {
    const old = await mem("Caroline adopted a dog.");
    expect(decideByRules(cand("Caroline adopted a dog named Max from the shelter."), [old])).toEqual({
      action: "UPDATE", target_id: old.id, text: "Caroline adopted a dog named Max from the shelter.", reason: "candidate adds detail",
    });
  });

  it("contains only what is said in order: one run added at the ends, or two words inside", async () => {
    const long = await mem("Aloka met the daughter of the actor Saumya Liyanage and father of Jackson Anthony.");
    expect(decideByRules(cand("Aloka met the daughter of actor Jackson Anthony."), [long])).toMatchObject({ action: "ADD" });
    const left = await mem("The regiment left Boston in October 1777 to join the army outside Philadelphia.");
    expect(decideByRules(cand("The regiment left Philadelphia in October 1777 to join the army outside Boston."), [left])).toMatchObject({ action: "ADD" });
    const dog = await mem("Caroline adopted a dog named Max.");
    expect(decideByRules(cand("Caroline adopted a small brown dog named Max."), [dog])).toMatchObject({ action: "UPDATE", target_id: dog.id });
    const glad = await mem("Glad John enjoyed it!");
    expect(decideByRules(cand("Glad John enjoyed it, John!"), [glad])).toMatchObject({ action: "NOOP", target_id: glad.id });
    const judge = await mem("He was an unsuccessful candidate in 1947 for Saint Joseph County city judge.", { entities: [] });
    expect(decideByRules(cand("He was an unsuccessful candidate in 1947 for South Bend city judge.", []), [judge])).toMatchObject({ action: "ADD" });
  });

  it("'is a' changes only on a change cue; a cue both texts carry, or one in an aside, is no change", async () => {
    const mother = await mem("Caroline is a mother.");
    expect(decideByRules(cand("Caroline is a painter."), [mother])).toMatchObject({ action: "ADD" });
    const teacher = await mem("Caroline is a teacher.");
    expect(decideByRules(cand("Caroline is a nurse now."), [teacher])).toMatchObject({ action: "SUPERSEDE", target_id: teacher.id });
    const runs = await mem("Melanie now runs every weekend.", { entities: ["Melanie"] });
    expect(decideByRules(cand("Melanie now paints every weekend.", ["Melanie"]), [runs])).toMatchObject({ action: "ADD" });
    const gyeongsang = await mem("In 1895 Gyeongsang was replaced by the districts of Busan and Dongnae.", { entities: ["Gyeongsang"] });
    expect(decideByRules(cand("In 1895 Gyeongsang was replaced by the districts of Jinju and Dongnae (now Busan).", ["Gyeongsang"]), [gyeongsang])).toMatchObject({ action: "ADD" });
  });

  it("deletes on an explicit retraction", async () => {
    const old = await mem("Caroline lives in Paris.");
    expect(decideByRules(cand("That's not true, Caroline lives in Paris is wrong."), [old])).toMatchObject({ action: "DELETE", target_id: old.id });
  });

  it("adds unrelated information and ignores closed neighbours", async () => {
    const old = await mem("Caroline lives in Paris.");
    expect(decideByRules(cand("Caroline plays the violin."), [old])).toMatchObject({ action: "ADD" });
    const closed = await mem("Caroline lives in Rome.", { valid_to: Date.UTC(2024, 1, 1) });
    expect(decideByRules(cand("Caroline lives in Paris."), [closed])).toMatchObject({ action: "ADD" });
    await expect(new RuleJudge().decide(cand("Caroline moved to Berlin."), [old])).resolves.toMatchObject({ action: "SUPERSEDE" });
  });
});

describe("wording", () => {
  it("drops fillers, articles, intensifiers; keeps prepositions, numbers and negations in order", () => {
    expect(wording("Um, Caroline REALLY loved the trip to Rome in 2019, you know!")).toEqual(["caroline", "loved", "trip", "to", "rome", "in", "2019"]);
    expect(wording("Caroline doesn't like it.")).toEqual(["caroline", "does", "not", "it"]);
    expect(wording("Gina built it last week (the week of 10 July 2023).")).toEqual(["gina", "built", "it", "last", "week", "dateweek10july2023"]);
  });

  it("sameWording: one phrase moved from an end, pronoun stand-ins; not swaps or substitutions", () => {
    const w = (t: string) => wording(t);
    expect(sameWording(w("Enkor merged with Siberian Airlines in 2001."), w("In 2001 Enkor merged with Siberian Airlines."))).toBe(true);
    expect(sameWording(w("It helps us understand."), w("It helps Melanie understand."))).toBe(true);
    expect(sameWording(w("X defeated Y in the final."), w("Y defeated X in the final."))).toBe(false);
    expect(sameWording(w("Most of these hotels were built along Biddle Avenue."), w("Most of these homes were built along Biddle Avenue."))).toBe(false);
    expect(sameWording([], [])).toBe(false);
  });

  it("addedWords: the run a longer text adds, or null", () => {
    const w = (t: string) => wording(t);
    expect(addedWords(w("Caroline went hiking."), w("Last year Caroline went hiking with Mel."))).toEqual(["last", "year", "with", "mel"]);
    expect(addedWords(w("Caroline likes hiking."), w("Caroline does not like hiking."))).toBeNull();
    expect(addedWords(w("Caroline went to the party."), w("Caroline went to the party, but not for long."))).toEqual(["but", "not", "for", "long"]);
    expect(addedWords(w("Caroline has not tried it."), w("No, Caroline has not tried it."))).toEqual(["no"]);
  });
});
