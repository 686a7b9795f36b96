// LLM over the Workers AI binding (`env.AI.run`), JSON mode through `response_format`.
import { ProviderError } from "./errors";
import type { LLM, LlmRequest, LlmResponse } from "./llm";

export const DEFAULT_WORKERS_AI_LLM = "@cf/meta/llama-3.3-70b-instruct-fp8-fast";

/** The narrow slice of `Ai` this adapter uses, so tests can hand in a fake. */
export interface AiTextRunner {
  run(model: string, inputs: Record<string, unknown>): Promise<unknown>;
}

/**
 * Workers AI text generation answers `{ response }`. In JSON mode the binding may already parse
 * the answer, so `response` is an object; without it, a string. Both become `text`.
 */
export class WorkersAiLlm implements LLM {
  readonly id: string;

  constructor(
    private readonly ai: AiTextRunner,
    private readonly model: string = DEFAULT_WORKERS_AI_LLM,
  ) {
    this.id = `workers-ai:${model}`;
  }

  async complete(req: LlmRequest): Promise<LlmResponse> {
    const inputs: Record<string, unknown> = {
      messages: [{ role: "system", content: req.system }, ...req.messages],
      max_tokens: req.max_tokens,
      temperature: req.temperature,
    };
    if (req.json_schema) inputs.response_format = { type: "json_schema", json_schema: req.json_schema };
    let result: unknown;
    try {
      result = await this.ai.run(this.model, inputs);
    } catch (err) {
      throw new ProviderError("workers-ai", err instanceof Error ? err.message : String(err));
    }
    if (typeof result !== "object" || result === null || !("response" in result)) {
      throw new ProviderError("workers-ai", "answer has no `response`", false);
    }
    const response = (result as { response: unknown }).response;
    if (typeof response === "string") return { text: response };
    if (response === null || response === undefined) throw new ProviderError("workers-ai", "empty `response`", false);
    return { text: JSON.stringify(response) };
  }
}
