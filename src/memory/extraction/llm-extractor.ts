// `fine` extraction: asks an LLM for memories as JSON against a schema, validates with zod,
// retries once with the validation error, then falls back to the rule extractor for the window.
import { z } from "zod";
import { ProviderError } from "../../providers/errors";
import type { LLM, LlmMessage } from "../../providers/llm";
import type { CandidateMemory, RawMessage } from "../types";
import { ExtractionOutput, EXTRACTION_SYSTEM, extractionPrompt, repairPrompt } from "./prompts";
import { extractFast, type FastExtractOptions } from "./rules";

export type ExtractionOutcome = "ok" | "retried" | "fallback";

export interface FineExtractResult {
  candidates: CandidateMemory[];
  outcome: ExtractionOutcome;
  /** What went wrong on each failed attempt, in order; empty when the first answer was valid. */
  errors: string[];
}

export interface FineExtractOptions {
  fast?: FastExtractOptions;
  max_tokens?: number;
  temperature?: number;
  /**
   * What a provider failure (network, 5xx, timeout) does: "fallback" (default) to rules for
   * this window, or "throw" so the queue retries the job later.
   */
  onProviderError?: "fallback" | "throw";
}

const JSON_SCHEMA = z.toJSONSchema(ExtractionOutput) as Record<string, unknown>;

/** Parses text that should be JSON, tolerating a ```json fence around it. */
function parseJson(text: string): unknown {
  const t = text.trim().replace(/^```(?:json)?\s*/i, "").replace(/\s*```$/, "");
  return JSON.parse(t);
}

function parseTime(s: string | null): number | null | undefined {
  if (s === null || s.trim() === "") return null;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Validates one answer; returns candidates or a message fit to show the model. */
function validate(text: string, ids: ReadonlySet<string>): { ok: true; candidates: CandidateMemory[] } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = parseJson(text);
  } catch (err) {
    return { ok: false, error: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const parsed = ExtractionOutput.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    return { ok: false, error: `schema mismatch: ${issues.join("; ")}` };
  }
  const out: CandidateMemory[] = [];
  for (const [i, m] of parsed.data.memories.entries()) {
    const unknown = m.source_ids.filter((id) => !ids.has(id));
    if (unknown.length) return { ok: false, error: `memories.${i}.source_ids: unknown message ids ${unknown.join(", ")}` };
    const time = parseTime(m.event_time);
    if (time === undefined) return { ok: false, error: `memories.${i}.event_time: "${m.event_time}" is not an ISO 8601 date` };
    out.push({
      text: m.text.trim(),
      type: m.type,
      entities: [...new Set(m.entities.map((e) => e.trim()).filter(Boolean))],
      importance: m.importance,
      event_time: time,
      source_message_ids: [...new Set(m.source_ids)],
    });
  }
  return { ok: true, candidates: out };
}

/**
 * Extracts candidates from one window with `llm`. Never fails on bad model output: after one
 * repair attempt it returns the rule extractor's candidates with outcome "fallback".
 */
export async function extractFine(llm: LLM, messages: readonly RawMessage[], opts: FineExtractOptions = {}): Promise<FineExtractResult> {
  const errors: string[] = [];
  if (messages.length === 0) return { candidates: [], outcome: "ok", errors };
  const ids = new Set(messages.map((m) => m.id));
  const convo: LlmMessage[] = [{ role: "user", content: extractionPrompt(messages) }];
  for (let attempt = 0; attempt < 2; attempt++) {
    let text: string;
    try {
      ({ text } = await llm.complete({
        system: EXTRACTION_SYSTEM,
        messages: convo,
        json_schema: JSON_SCHEMA,
        schema_name: "memories",
        max_tokens: opts.max_tokens ?? 2048,
        temperature: opts.temperature ?? 0,
      }));
    } catch (err) {
      if (opts.onProviderError === "throw" || !(err instanceof ProviderError)) throw err;
      errors.push(err.message);
      break; // A provider failure will not be repaired by asking again now.
    }
    const result = validate(text, ids);
    if (result.ok) return { candidates: result.candidates, outcome: attempt === 0 ? "ok" : "retried", errors };
    errors.push(result.error);
    convo.push({ role: "assistant", content: text.slice(0, 4000) }, { role: "user", content: repairPrompt(result.error) });
  }
  return { candidates: extractFast(messages, opts.fast), outcome: "fallback", errors };
}
