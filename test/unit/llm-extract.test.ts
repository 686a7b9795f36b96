// `fine` extraction and the LLM judge through a scripted fake LLM: valid, repaired, fallback.
import { describe, expect, it } from "vitest";
import { LlmJudge, type JudgeOutcome } from "../../src/memory/dedup/judge-llm";
import { extractFine } from "../../src/memory/extraction/llm-extractor";
import { PROMPT_VERSION } from "../../src/memory/extraction/prompts";
import { extractFast } from "../../src/memory/extraction/rules";
import type { CandidateMemory, Memory, RawMessage } from "../../src/memory/types";
import { ProviderError } from "../../src/providers/errors";
import type { LLM, LlmRequest } from "../../src/providers/llm";

/** Answers from a script, recording every request. */
class ScriptedLlm implements LLM {
  readonly id = "scripted";
  readonly requests: LlmRequest[] = [];
  constructor(private readonly script: (string | Error)[]) {}
  complete(req: LlmRequest): Promise<{ text: string }> {
    this.requests.push(structuredClone(req));
    const next = this.script.shift();
    if (next === undefined) throw new Error("script exhausted");
    return next instanceof Error ? Promise.reject(next) : Promise.resolve({ text: next });
  }
}

const T = Date.UTC(2023, 4, 8, 13, 56);
const msgs: RawMessage[] = [
  { id: "m1", role: "user", name: "Caroline", content: "I went to a support group yesterday.", timestamp: T, user_id: null, agent_id: null, session_id: null },
  { id: "m2", role: "user", name: "Melanie", content: "I love painting sunsets.", timestamp: T, user_id: null, agent_id: null, session_id: null },
];
const good = JSON.stringify({
  memories: [
    { text: "Caroline went to a support group on 7 May 2023.", type: "event", entities: ["Caroline"], importance: 0.7, event_time: "2023-05-07", source_ids: ["m1"] },
    { text: "Melanie loves painting sunsets.", type: "preference", entities: ["Melanie"], importance: 0.6, event_time: null, source_ids: ["m2"] },
  ],
});

describe("extractFine", () => {
  it("returns validated candidates on a good first answer, asking with the schema", async () => {
    const llm = new ScriptedLlm([good]);
    const r = await extractFine(llm, msgs);
    expect(r.outcome).toBe("ok");
    expect(r.errors).toEqual([]);
    expect(r.candidates).toEqual<CandidateMemory[]>([
      { text: "Caroline went to a support group on 7 May 2023.", type: "event", entities: ["Caroline"], importance: 0.7, event_time: Date.UTC(2023, 4, 7), source_message_ids: ["m1"] },
      { text: "Melanie loves painting sunsets.", type: "preference", entities: ["Melanie"], importance: 0.6, event_time: null, source_message_ids: ["m2"] },
    ]);
    const req = llm.requests[0]!;
    expect(req.temperature).toBe(0);
    expect(req.json_schema).toMatchObject({ type: "object", required: ["memories"] });
    expect(req.messages[0]!.content).toContain("[m1] (2023-05-08T13:56Z) Caroline: I went to a support group yesterday.");
    expect(PROMPT_VERSION).toMatch(/v\d+$/);
  });

  it("retries once with the validation error after malformed JSON, then succeeds", async () => {
    const llm = new ScriptedLlm(['{"memories": [ {"text": "Caroline went', "```json\n" + good + "\n```"]);
    const r = await extractFine(llm, msgs);
    expect(r.outcome).toBe("retried");
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^not JSON/);
    expect(r.candidates).toHaveLength(2);
    const second = llm.requests[1]!;
    expect(second.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(second.messages[2]!.content).toContain("not JSON");
  });

  it("falls back to the rule extractor after two invalid answers (partial output, unknown id)", async () => {
    const partial = JSON.stringify({ memories: [{ text: "Caroline went out.", type: "event" }] });
    const unknownId = JSON.stringify({ memories: [{ text: "Caroline went out.", type: "event", entities: [], importance: 0.5, event_time: null, source_ids: ["m9"] }] });
    const llm = new ScriptedLlm([partial, unknownId]);
    const r = await extractFine(llm, msgs);
    expect(r.outcome).toBe("fallback");
    expect(r.errors[0]).toMatch(/schema mismatch: memories\.0\.entities/);
    expect(r.errors[1]).toMatch(/unknown message ids m9/);
    expect(r.candidates).toEqual(extractFast(msgs));
    expect(llm.requests).toHaveLength(2);
  });

  it("rejects an unparseable event_time and a type outside the enum", async () => {
    const badTime = JSON.stringify({ memories: [{ text: "Caroline went out.", type: "event", entities: [], importance: 0.5, event_time: "someday", source_ids: ["m1"] }] });
    const badType = JSON.stringify({ memories: [{ text: "Caroline went out.", type: "gossip", entities: [], importance: 0.5, event_time: null, source_ids: ["m1"] }] });
    const r = await extractFine(new ScriptedLlm([badTime, badType]), msgs);
    expect(r.outcome).toBe("fallback");
    expect(r.errors[0]).toContain("event_time");
    expect(r.errors[1]).toContain("memories.0.type");
  });

  it("falls back on a provider failure without a second call, or rethrows when asked", async () => {
    const llm = new ScriptedLlm([new ProviderError("openai", "HTTP 503")]);
    const r = await extractFine(llm, msgs);
    expect(r.outcome).toBe("fallback");
    expect(r.errors).toEqual(["openai: HTTP 503"]);
    expect(llm.requests).toHaveLength(1);
    await expect(extractFine(new ScriptedLlm([new ProviderError("openai", "HTTP 503")]), msgs, { onProviderError: "throw" })).rejects.toThrow(ProviderError);
  });
});

describe("LlmJudge", () => {
  const now = Date.UTC(2024, 0, 1);
  const paris: Memory = {
    id: "mem_paris", tenant_id: "t", cube_id: "c", user_id: null, agent_id: null, session_id: null, text: "Caroline lives in Paris.",
    type: "fact", tags: [], entities: ["Caroline"], metadata: {}, importance: 0.5, state: "active", version: 1, hash: "h",
    created_at: now, updated_at: now, valid_from: now, valid_to: null, event_time: null, source_message_ids: ["m0"], seen_count: 1, last_seen_at: now,
  };
  const berlin: CandidateMemory = { text: "Caroline moved to Berlin.", type: "event", entities: ["Caroline"], importance: 0.6, event_time: null, source_message_ids: ["m3"] };

  it("accepts a valid decision", async () => {
    const outcomes: JudgeOutcome[] = [];
    const judge = new LlmJudge(new ScriptedLlm([JSON.stringify({ action: "SUPERSEDE", target_id: "mem_paris", text: null, reason: "moved" })]), { onOutcome: (o) => outcomes.push(o) });
    expect(await judge.decide(berlin, [paris])).toEqual({ action: "SUPERSEDE", target_id: "mem_paris", reason: "moved" });
    expect(outcomes).toEqual([{ outcome: "ok", errors: [] }]);
    expect(judge.id).toBe("llm:scripted");
  });

  it("retries when the target is not a neighbour, then accepts", async () => {
    const llm = new ScriptedLlm([
      JSON.stringify({ action: "NOOP", target_id: "mem_other", text: null, reason: "x" }),
      JSON.stringify({ action: "UPDATE", target_id: "mem_paris", text: "Caroline lives in Berlin.", reason: "y" }),
    ]);
    const outcomes: JudgeOutcome[] = [];
    const d = await new LlmJudge(llm, { onOutcome: (o) => outcomes.push(o) }).decide(berlin, [paris]);
    expect(d).toEqual({ action: "UPDATE", target_id: "mem_paris", text: "Caroline lives in Berlin.", reason: "y" });
    expect(outcomes[0]!.outcome).toBe("retried");
    expect(llm.requests[1]!.messages[2]!.content).toContain('"mem_other" is not one of the EXISTING ids');
  });

  it("falls back to the rule judge after malformed output twice", async () => {
    const outcomes: JudgeOutcome[] = [];
    const judge = new LlmJudge(new ScriptedLlm(["SUPERSEDE!", JSON.stringify({ action: "UPDATE", target_id: "mem_paris", text: null, reason: "" })]), { onOutcome: (o) => outcomes.push(o) });
    const d = await judge.decide(berlin, [paris]);
    expect(d).toMatchObject({ action: "SUPERSEDE", target_id: "mem_paris" });
    expect(outcomes[0]!.outcome).toBe("fallback");
    expect(outcomes[0]!.errors[1]).toBe("UPDATE needs text");
  });

  it("adds without a model call when there are no neighbours", async () => {
    const llm = new ScriptedLlm([]);
    expect(await new LlmJudge(llm).decide(berlin, [])).toMatchObject({ action: "ADD" });
    expect(llm.requests).toHaveLength(0);
  });
});
