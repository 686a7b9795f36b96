// The chat model interface used by `fine` extraction and the LLM judge.

export interface LlmMessage {
  role: "user" | "assistant";
  content: string;
}

export interface LlmRequest {
  system: string;
  messages: LlmMessage[];
  /** JSON Schema the answer must follow; providers pass it as structured output. */
  json_schema?: Record<string, unknown>;
  /** Name of the schema for providers that need one (OpenAI); defaults to "output". */
  schema_name?: string;
  max_tokens: number;
  temperature: number;
}

export interface LlmResponse {
  /** The answer as text; with a schema, JSON text (providers stringify objects they receive). */
  text: string;
}

export interface LLM {
  /** Stable name recorded with results ("workers-ai:@cf/meta/llama-3.1-8b-instruct"). */
  readonly id: string;
  /** Throws ProviderError on transport or upstream failure; never validates the content. */
  complete(req: LlmRequest): Promise<LlmResponse>;
}
