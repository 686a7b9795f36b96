// The LLM judge: asks a model for a decision as JSON, validates it (schema and a real target),
// retries once with the error, then falls back to the rule judge.
import { z } from "zod";
import { ProviderError } from "../../providers/errors";
import type { LLM, LlmMessage } from "../../providers/llm";
import { JUDGE_SYSTEM, JudgeOutput, judgePrompt, repairPrompt } from "../extraction/prompts";
import type { CandidateMemory, Memory } from "../types";
import type { Judge, JudgeDecision } from "./judge";
import { decideByRules } from "./judge-rules";

const JSON_SCHEMA = z.toJSONSchema(JudgeOutput) as Record<string, unknown>;

export interface JudgeOutcome {
  outcome: "ok" | "retried" | "fallback";
  errors: string[];
}

export interface LlmJudgeOptions {
  max_tokens?: number;
  /** Called after each decision with how it was reached, for the job record. */
  onOutcome?: (o: JudgeOutcome) => void;
}

function toDecision(text: string, neighbours: readonly Memory[]): { ok: true; decision: JudgeDecision } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text.trim().replace(/^```(?:json)?\s*/i, "").replace(/\s*```$/, ""));
  } catch (err) {
    return { ok: false, error: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const parsed = JudgeOutput.safeParse(json);
  if (!parsed.success) {
    return { ok: false, error: `schema mismatch: ${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}` };
  }
  const { action, target_id, text: newText, reason } = parsed.data;
  if (action === "ADD") return { ok: true, decision: { action, reason } };
  if (!target_id || !neighbours.some((n) => n.id === target_id)) {
    return { ok: false, error: `target_id "${target_id}" is not one of the EXISTING ids` };
  }
  if (action === "UPDATE") {
    if (!newText || !newText.trim()) return { ok: false, error: "UPDATE needs text" };
    return { ok: true, decision: { action, target_id, text: newText.trim(), reason } };
  }
  return { ok: true, decision: { action, target_id, reason } };
}

export class LlmJudge implements Judge {
  readonly id: string;

  constructor(
    private readonly llm: LLM,
    private readonly opts: LlmJudgeOptions = {},
  ) {
    this.id = `llm:${llm.id}`;
  }

  async decide(candidate: CandidateMemory, neighbours: readonly Memory[]): Promise<JudgeDecision> {
    const errors: string[] = [];
    const report = (outcome: JudgeOutcome["outcome"]): void => this.opts.onOutcome?.({ outcome, errors });
    if (neighbours.length === 0) {
      report("ok");
      return { action: "ADD", reason: "no neighbours" };
    }
    const convo: LlmMessage[] = [{ role: "user", content: judgePrompt(candidate.text, neighbours) }];
    for (let attempt = 0; attempt < 2; attempt++) {
      let text: string;
      try {
        ({ text } = await this.llm.complete({
          system: JUDGE_SYSTEM,
          messages: convo,
          json_schema: JSON_SCHEMA,
          schema_name: "decision",
          max_tokens: this.opts.max_tokens ?? 300,
          temperature: 0,
        }));
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        errors.push(err.message);
        break;
      }
      const r = toDecision(text, neighbours);
      if (r.ok) {
        report(attempt === 0 ? "ok" : "retried");
        return r.decision;
      }
      errors.push(r.error);
      convo.push({ role: "assistant", content: text.slice(0, 2000) }, { role: "user", content: repairPrompt(r.error) });
    }
    report("fallback");
    return decideByRules(candidate, neighbours);
  }
}
