// The LLM the consolidation task writes merged texts with: the Worker's configured one, or none.
import type { LLM } from "../../../src/providers/llm";
import { selectLlm, type LlmConfig } from "../../../src/providers/select-llm";

let warned = false;

/** The configured LLM; null for "rules" or a configuration that cannot build one (logged once: the rules merge then). */
export function consolidationLlm(env: LlmConfig): LLM | null {
  try {
    return selectLlm(env);
  } catch (err) {
    if (!warned) console.warn(JSON.stringify({ level: "warn", message: "consolidation merges by rules: the LLM configuration is unusable", error: err instanceof Error ? err.message : String(err) }));
    warned = true;
    return null;
  }
}
