// The providers of this isolate, chosen once from configuration at first use.
import type { Env } from "../env";
import type { Embedder } from "../providers/embedder";
import type { LLM } from "../providers/llm";
import { selectEmbedder } from "../providers/select-embedder";
import { selectLlm } from "../providers/select-llm";

let embedder: Embedder | null = null;
let llm: { value: LLM | null } | null = null;

export function getEmbedder(env: Env): Embedder {
  embedder ??= selectEmbedder(env);
  return embedder;
}

/** The configured LLM, or null when the embedded rules are used (LLM unset or "rules"). */
export function getLlm(env: Env): LLM | null {
  llm ??= { value: selectLlm(env) };
  return llm.value;
}
