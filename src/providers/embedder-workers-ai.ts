// Embedder over the Workers AI binding (`env.AI`), a bge model by default.
import { ConfigError } from "./config-error";
import type { Embedder } from "./embedder";
import { ProviderError } from "./errors";

/** The binding accepts at most 100 texts per call for the bge embedding models. */
export const WORKERS_AI_MAX_BATCH = 100;

const KNOWN_DIMENSIONS: Readonly<Record<string, number>> = {
  "@cf/baai/bge-small-en-v1.5": 384,
  "@cf/baai/bge-base-en-v1.5": 768,
  "@cf/baai/bge-large-en-v1.5": 1024,
  "@cf/baai/bge-m3": 1024,
};

/** The narrow slice of `Ai` this adapter uses, so tests can hand in a fake. */
export interface AiEmbeddingRunner {
  run(model: string, inputs: { text: string[]; pooling?: "mean" | "cls" }): Promise<unknown>;
}

export interface WorkersAiEmbedderOptions {
  model?: string;
  /** Required for a model not in the built-in table. */
  dimensions?: number;
  /** "cls" is more accurate but incompatible with "mean" vectors; the id records which. */
  pooling?: "mean" | "cls";
}

function l2normalize(values: readonly number[]): Float32Array {
  const v = Float32Array.from(values);
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

export class WorkersAiEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly model: string;
  private readonly pooling: "mean" | "cls";

  constructor(
    private readonly ai: AiEmbeddingRunner,
    options: WorkersAiEmbedderOptions = {},
  ) {
    this.model = options.model ?? "@cf/baai/bge-base-en-v1.5";
    const dims = options.dimensions ?? KNOWN_DIMENSIONS[this.model];
    if (dims === undefined) {
      throw new ConfigError(`Workers AI model ${this.model} needs explicit dimensions`);
    }
    this.dimensions = dims;
    this.pooling = options.pooling ?? "cls";
    this.id = `workers-ai:${this.model}:${this.pooling}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += WORKERS_AI_MAX_BATCH) {
      // The model rejects empty strings (minLength 1); a single space embeds as "nothing".
      const batch = texts.slice(start, start + WORKERS_AI_MAX_BATCH).map((t) => (t.length > 0 ? t : " "));
      out.push(...(await this.runBatch(batch)));
    }
    return out;
  }

  private async runBatch(batch: string[]): Promise<Float32Array[]> {
    let result: unknown;
    try {
      result = await this.ai.run(this.model, { text: batch, pooling: this.pooling });
    } catch (err) {
      throw new ProviderError("workers-ai", err instanceof Error ? err.message : String(err));
    }
    const data = (result as { data?: unknown } | null)?.data;
    if (!Array.isArray(data) || data.length !== batch.length) {
      throw new ProviderError("workers-ai", `expected ${batch.length} embeddings, got a malformed answer`, false);
    }
    return data.map((row: unknown) => {
      if (!Array.isArray(row) || row.length !== this.dimensions || !row.every((x) => typeof x === "number")) {
        throw new ProviderError("workers-ai", `embedding is not a ${this.dimensions}-number array`, false);
      }
      return l2normalize(row as number[]);
    });
  }
}
