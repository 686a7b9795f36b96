// Embedder over any OpenAI-compatible `POST {base}/v1/embeddings` endpoint.
import { ConfigError } from "./config-error";
import type { Embedder } from "./embedder";
import { ProviderError } from "./errors";
import { OpenAiEndpoint } from "./openai-http";

export interface OpenAiEmbedderOptions {
  /** Base URL without the `/v1` suffix (a trailing `/v1` or slash is tolerated). */
  baseUrl: string;
  apiKey?: string;
  model?: string;
  /** Vector length the model returns; checked on every answer. */
  dimensions?: number;
  timeoutMs?: number;
  /** Inputs per request; OpenAI accepts 2,048, smaller servers less. */
  maxBatch?: number;
  /** Stand-in for the global fetch, for tests. */
  fetch?: typeof fetch;
}

const DEFAULT_MODEL = "text-embedding-3-small";
const KNOWN_DIMENSIONS: Readonly<Record<string, number>> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536,
  "bge-base-en-v1.5": 768,
  "BAAI/bge-base-en-v1.5": 768,
  "nomic-embed-text": 768,
};

interface EmbeddingsResponse {
  data: { embedding: number[]; index: number }[];
}

function isEmbeddingsResponse(x: unknown): x is EmbeddingsResponse {
  if (typeof x !== "object" || x === null) return false;
  const data = (x as { data?: unknown }).data;
  return (
    Array.isArray(data) &&
    data.every(
      (d: unknown) =>
        typeof d === "object" &&
        d !== null &&
        Array.isArray((d as { embedding?: unknown }).embedding) &&
        typeof (d as { index?: unknown }).index === "number",
    )
  );
}

export class OpenAiEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly endpoint: OpenAiEndpoint;
  private readonly model: string;
  private readonly maxBatch: number;

  constructor(options: OpenAiEmbedderOptions) {
    this.endpoint = new OpenAiEndpoint(options.baseUrl, "embeddings", { apiKey: options.apiKey, timeoutMs: options.timeoutMs ?? 15_000, fetch: options.fetch });
    this.model = options.model ?? DEFAULT_MODEL;
    const dims = options.dimensions ?? KNOWN_DIMENSIONS[this.model];
    if (dims === undefined) throw new ConfigError(`embedding model ${this.model} needs explicit dimensions`);
    this.dimensions = dims;
    this.maxBatch = options.maxBatch ?? 256;
    this.id = `openai:${this.model}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += this.maxBatch) {
      out.push(...(await this.request(texts.slice(start, start + this.maxBatch))));
    }
    return out;
  }

  private async request(input: string[]): Promise<Float32Array[]> {
    const json = await this.endpoint.post({ model: this.model, input });
    if (!isEmbeddingsResponse(json) || json.data.length !== input.length) {
      throw new ProviderError("openai", `expected ${input.length} embeddings, got a malformed answer`, false);
    }
    const sorted = [...json.data].sort((a, b) => a.index - b.index);
    return sorted.map((d, i) => {
      if (d.index !== i || d.embedding.length !== this.dimensions) {
        throw new ProviderError("openai", `embedding ${i} missing or not ${this.dimensions}-dimensional`, false);
      }
      const v = Float32Array.from(d.embedding);
      let n = 0;
      for (let j = 0; j < v.length; j++) n += v[j]! * v[j]!;
      n = Math.sqrt(n);
      if (n > 0) for (let j = 0; j < v.length; j++) v[j] = v[j]! / n;
      return v;
    });
  }
}
