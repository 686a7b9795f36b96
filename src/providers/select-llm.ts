// Chooses the LLM once at start from configuration: "rules" (default: no model), workers-ai, openai.
import { ConfigError } from "./config-error";
import type { LLM } from "./llm";
import { OpenAiLlm } from "./llm-openai";
import { type AiTextRunner, WorkersAiLlm } from "./llm-workers-ai";

export interface LlmConfig {
  LLM?: string;
  LLM_MODEL?: string;
  OPENAI_BASE_URL?: string;
  OPENAI_API_KEY?: string;
  AI?: Ai | AiTextRunner;
}

/** Thrown at start when the configuration names a provider it cannot build. */
export class LlmConfigError extends ConfigError {
  override readonly name = "LlmConfigError";
}

/**
 * The configured LLM, or null for "rules" (the embedded rule extractor and judge, no model).
 * Fails loudly on an unknown name or a missing binding / base URL.
 */
export function selectLlm(config: LlmConfig): LLM | null {
  const kind = (config.LLM ?? "rules").trim().toLowerCase() || "rules";
  switch (kind) {
    case "rules":
    case "none":
      return null;
    case "workers-ai":
      if (!config.AI) throw new LlmConfigError('LLM="workers-ai" needs the AI binding (add [ai] binding = "AI" to wrangler.toml)');
      return new WorkersAiLlm(config.AI as AiTextRunner, ...(config.LLM_MODEL ? [config.LLM_MODEL] : []));
    case "openai":
      if (!config.OPENAI_BASE_URL) throw new LlmConfigError('LLM="openai" needs OPENAI_BASE_URL');
      try {
        return new OpenAiLlm({
          baseUrl: config.OPENAI_BASE_URL,
          ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
          ...(config.LLM_MODEL ? { model: config.LLM_MODEL } : {}),
        });
      } catch (err) {
        throw new LlmConfigError(err instanceof Error ? err.message : String(err));
      }
    default:
      throw new LlmConfigError(`unknown LLM "${config.LLM}": use rules, workers-ai or openai`);
  }
}
