// The merged text written by an LLM, when one is configured: the prompt from desensitized texts, and the checks its answer must pass.
import { placeholdersIn } from "../../governance/pii";
import type { LlmRequest } from "../../providers/llm";
import { LIMITS } from "../cube-contract";

export const MERGE_SYSTEM =
  "You merge memories about one person into one memory. Write one short paragraph that keeps every fact the memories state and adds nothing. " +
  "Copy placeholders such as [EMAIL_1] exactly as they are. Answer with the merged memory only.";

/** The request for one group's merged text: its memories' texts (stored desensitized), oldest first. */
export function mergeRequest(texts: readonly string[]): LlmRequest {
  return {
    system: MERGE_SYSTEM,
    messages: [{ role: "user", content: texts.map((t, i) => `${i + 1}. ${t}`).join("\n") }],
    max_tokens: 400,
    temperature: 0,
  };
}

/**
 * The model's answer as the merged text, or null when it fails a check (the rules' text is used
 * then): not empty, within a memory's size and not much longer than the originals together, and
 * naming no placeholder the originals do not (a model must not invent personal data slots).
 */
export function acceptMerged(answer: string, texts: readonly string[]): string | null {
  const text = answer.trim().replace(/^["'`]+|["'`]+$/g, "").trim();
  if (!text || text.length > LIMITS.textChars) return null;
  if (text.length > texts.reduce((n, t) => n + t.length + 1, 0) + 200) return null;
  const known = new Set(texts.flatMap((t) => placeholdersIn(t)));
  if (placeholdersIn(text).some((p) => !known.has(p))) return null;
  return text;
}
