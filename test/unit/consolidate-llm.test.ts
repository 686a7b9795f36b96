// The LLM-written merged text: the prompt carries the stored texts only, and an answer is checked before it is used.
import { describe, expect, it } from "vitest";
import { acceptMerged, mergeRequest } from "../../src/memory/consolidate/llm";

describe("mergeRequest", () => {
  it("numbers the stored texts oldest first, at temperature 0", () => {
    const r = mergeRequest(["Ann lives in Lyon.", "Ann's mail is [EMAIL_1]."]);
    expect(r.messages).toEqual([{ role: "user", content: "1. Ann lives in Lyon.\n2. Ann's mail is [EMAIL_1]." }]);
    expect(r.temperature).toBe(0);
  });
});

describe("acceptMerged", () => {
  const texts = ["Ann lives in Lyon.", "Ann's mail is [EMAIL_1]."];
  it("takes a trimmed answer that names only the originals' placeholders", () => {
    expect(acceptMerged('  "Ann lives in Lyon; her mail is [EMAIL_1]."  ', texts)).toBe("Ann lives in Lyon; her mail is [EMAIL_1].");
  });
  it("refuses an empty answer, one far longer than the originals, and one that invents a placeholder", () => {
    expect(acceptMerged("   ", texts)).toBeNull();
    expect(acceptMerged("x".repeat(400), texts)).toBeNull();
    expect(acceptMerged("Ann lives in Lyon with [PERSON_2].", texts)).toBeNull();
  });
});
