// Names and addresses through a scripted model: spans located in the text, inventions dropped, failures thrown.
import { describe, expect, it } from "vitest";
import { findWithModel, normalizeModelValue, toSpans } from "../../src/governance/pii";
import { ProviderError } from "../../src/providers/errors";
import type { LLM, LlmRequest } from "../../src/providers/llm";

class ScriptedLlm implements LLM {
  readonly id = "scripted";
  readonly requests: LlmRequest[] = [];
  constructor(private readonly script: string[]) {}
  async complete(req: LlmRequest): Promise<{ text: string }> {
    this.requests.push(req);
    const next = this.script.shift();
    if (next === undefined) throw new ProviderError("scripted", "script exhausted");
    return { text: next };
  }
}

const findings = (f: Array<{ index: number; type: string; value: string }>) => JSON.stringify({ findings: f });

describe("findWithModel", () => {
  it("locates every whole-word occurrence of a reported value, and drops values not in their text", async () => {
    const texts = ["Ann Lee met Annabel; later Ann Lee left.", "Ship to 12 Rue de la Paix, Paris."];
    const llm = new ScriptedLlm([
      findings([
        { index: 0, type: "PERSON", value: "Ann Lee" },
        { index: 0, type: "PERSON", value: "Ann" },
        { index: 0, type: "PERSON", value: "Zelda Fitzgerald" },
        { index: 1, type: "ADDRESS", value: "12 Rue de la Paix" },
        { index: 7, type: "PERSON", value: "Nobody" },
      ]),
    ]);
    const spans = await findWithModel(llm, texts);
    expect(spans[0]).toEqual([
      { type: "PERSON", start: 0, end: 7 },
      { type: "PERSON", start: 0, end: 3 },
      { type: "PERSON", start: 27, end: 34 },
      { type: "PERSON", start: 27, end: 30 },
    ]);
    expect(spans[1]).toEqual([{ type: "ADDRESS", start: 8, end: 25 }]);
    // One call for both texts, with the texts numbered and the schema asked for.
    expect(llm.requests).toHaveLength(1);
    expect(llm.requests[0]?.json_schema).toBeDefined();
    expect(llm.requests[0]?.messages[0]?.content).toContain("<text 1>");
  });

  it("asks again after an answer of the wrong shape, and throws a ProviderError after two", async () => {
    const retried = new ScriptedLlm(["not json", findings([{ index: 0, type: "PERSON", value: "Bo" }])]);
    expect(await findWithModel(retried, ["Bo said hi"])).toEqual([[{ type: "PERSON", start: 0, end: 2 }]]);
    const broken = new ScriptedLlm([JSON.stringify({ findings: [{ index: 0, type: "CITY", value: "Oslo" }] }), "{}"]);
    await expect(findWithModel(broken, ["Oslo"])).rejects.toBeInstanceOf(ProviderError);
  });
});

describe("toSpans", () => {
  it("reads values from the text itself, normalizes them, and drops offsets out of bounds", () => {
    const text = "Meet  ANN   lee, please";
    expect(toSpans(text, [{ type: "PERSON", start: 6, end: 15 }, { type: "PERSON", start: 10, end: 99 }, { type: "ADDRESS", start: 5, end: 5 }])).toEqual([
      { type: "PERSON", start: 6, end: 15, value: "ANN   lee", normalized: "ann lee" },
    ]);
    expect(normalizeModelValue(" 12, Rue  de la Paix. ")).toBe("12 rue de la paix");
  });
});
