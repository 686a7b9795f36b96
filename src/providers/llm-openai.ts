// LLM over any OpenAI-compatible `POST {base}/v1/chat/completions` endpoint.
import { ProviderError } from "./errors";
import { OpenAiEndpoint } from "./openai-http";
import type { LLM, LlmRequest, LlmResponse } from "./llm";

export interface OpenAiLlmOptions {
  /** Base URL without the `/v1` suffix (a trailing `/v1` or slash is tolerated). */
  baseUrl: string;
  apiKey?: string;
  model?: string;
  timeoutMs?: number;
  /** Stand-in for the global fetch, for tests. */
  fetch?: typeof fetch;
}

export const DEFAULT_OPENAI_LLM = "gpt-4o-mini";

function contentOf(x: unknown): string | null {
  if (typeof x !== "object" || x === null) return null;
  const choices = (x as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0) return null;
  const message = (choices[0] as { message?: unknown } | null)?.message;
  const content = (message as { content?: unknown } | null | undefined)?.content;
  return typeof content === "string" ? content : null;
}

export class OpenAiLlm implements LLM {
  readonly id: string;
  private readonly endpoint: OpenAiEndpoint;
  private readonly model: string;

  constructor(options: OpenAiLlmOptions) {
    this.endpoint = new OpenAiEndpoint(options.baseUrl, "chat/completions", { apiKey: options.apiKey, timeoutMs: options.timeoutMs ?? 30_000, fetch: options.fetch });
    this.model = options.model ?? DEFAULT_OPENAI_LLM;
    this.id = `openai:${this.model}`;
  }

  async complete(req: LlmRequest): Promise<LlmResponse> {
    const body: Record<string, unknown> = {
      model: this.model,
      messages: [{ role: "system", content: req.system }, ...req.messages],
      max_tokens: req.max_tokens,
      temperature: req.temperature,
    };
    if (req.json_schema) {
      body.response_format = { type: "json_schema", json_schema: { name: req.schema_name ?? "output", schema: req.json_schema } };
    }
    const json = await this.endpoint.post(body);
    const content = contentOf(json);
    if (content === null) throw new ProviderError("openai", "answer has no choices[0].message.content", false);
    return { text: content };
  }
}
