// Natural-language corrections become candidates the judge applies to the memory.
import { describe, expect, it } from "vitest";
import { decideByRules } from "../../src/memory/dedup/judge-rules";
import { feedbackToCandidate, memorySubject } from "../../src/memory/feedback";
import type { Memory } from "../../src/memory/types";

const now = Date.UTC(2024, 2, 10);
function mem(text: string, entities: string[] = ["Caroline"]): Memory {
  return {
    id: "mem_1", tenant_id: "t", cube_id: "c", user_id: null, agent_id: null, session_id: null, text, type: "fact", tags: [],
    entities, metadata: {}, importance: 0.6, state: "active", version: 1, hash: "h", created_at: now, updated_at: now,
    valid_from: now, valid_to: null, event_time: null, source_message_ids: ["m1"], seen_count: 1, last_seen_at: now,
  };
}

describe("feedbackToCandidate", () => {
  it("resolves a restatement to the memory's subject and supersedes through the rule judge", () => {
    const m = mem("Caroline lives in Berlin.");
    const f = feedbackToCandidate(m, "Actually she lives in Paris now");
    expect(f).toMatchObject({ target_id: "mem_1", kind: "correction" });
    expect(f.candidate.text).toBe("Caroline lives in Paris now.");
    expect(f.candidate.tags).toEqual(["feedback"]);
    expect(f.candidate.entities).toEqual(expect.arrayContaining(["Caroline", "Paris"]));
    expect(decideByRules(f.candidate, [m])).toMatchObject({ action: "SUPERSEDE", target_id: "mem_1" });
  });

  it("prefixes the subject to a bare predicate and resolves dates against `now`", () => {
    const f = feedbackToCandidate(mem("Caroline works at Google."), "no, works at Mozilla since last month", { now });
    expect(f.candidate.text).toBe("Caroline works at Mozilla since last month.");
    expect(f.candidate.event_time).toBe(Date.UTC(2024, 1, 1));
  });

  it("swaps a value for 'X, not Y'", () => {
    const f = feedbackToCandidate(mem("Caroline adopted a dog named Max."), "Rex, not Max");
    expect(f.candidate.text).toBe("Caroline adopted a dog named Rex.");
  });

  it("turns a bare retraction into a DELETE of the memory", () => {
    const m = mem("Caroline plays the violin.");
    const f = feedbackToCandidate(m, "That's wrong!");
    expect(f.kind).toBe("retraction");
    expect(decideByRules(f.candidate, [m])).toMatchObject({ action: "DELETE", target_id: "mem_1" });
  });

  it("resolves the author's first person and possessives of the subject", () => {
    const f = feedbackToCandidate(mem("Melanie's sister is a nurse.", ["Melanie"]), "her sister is a doctor now");
    expect(f.candidate.text).toBe("Melanie's sister is a doctor now.");
    expect(decideByRules(f.candidate, [mem("Melanie's sister is a nurse.", ["Melanie"])])).toMatchObject({ action: "SUPERSEDE" });
    expect(feedbackToCandidate(mem("Jon likes jazz.", ["Jon"]), "I like techno now", { author: "Jon" }).candidate.text).toBe("Jon likes techno now.");
    expect(memorySubject({ text: "Gina opened a store.", entities: [] })).toBe("Gina");
  });
});
