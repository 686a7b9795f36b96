// Chooses the embedder once at start from configuration: local (default), workers-ai or openai.
import { ConfigError } from "./config-error";
import type { Embedder } from "./embedder";
import { LocalEmbedder } from "./embedder-local";
import { OpenAiEmbedder } from "./embedder-openai";
import { type AiEmbeddingRunner, WorkersAiEmbedder } from "./embedder-workers-ai";

export interface EmbedderConfig {
  EMBEDDER?: string;
  EMBEDDING_MODEL?: string;
  /** Required by "openai" for models outside the built-in table. */
  EMBEDDING_DIMENSIONS?: string;
  OPENAI_BASE_URL?: string;
  OPENAI_API_KEY?: string;
  AI?: Ai | AiEmbeddingRunner;
}

/** Thrown at start when the configuration names a provider it cannot build. */
export class EmbedderConfigError extends ConfigError {
  override readonly name = "EmbedderConfigError";
}

/**
 * Returns the configured embedder. Fails loudly (EmbedderConfigError) on an unknown name,
 * on "openai" without OPENAI_BASE_URL and on "workers-ai" without the AI binding, rather than
 * silently falling back: vectors of different embedders are not comparable.
 */
export function selectEmbedder(config: EmbedderConfig): Embedder {
  const kind = (config.EMBEDDER ?? "local").trim().toLowerCase() || "local";
  const dims = config.EMBEDDING_DIMENSIONS ? Number(config.EMBEDDING_DIMENSIONS) : undefined;
  if (dims !== undefined && (!Number.isInteger(dims) || dims <= 0)) {
    throw new EmbedderConfigError(`EMBEDDING_DIMENSIONS must be a positive integer, got "${config.EMBEDDING_DIMENSIONS}"`);
  }
  switch (kind) {
    case "local":
      return new LocalEmbedder(dims === undefined ? {} : { dimensions: dims });
    case "workers-ai": {
      if (!config.AI) throw new EmbedderConfigError('EMBEDDER="workers-ai" needs the AI binding (add [ai] binding = "AI" to wrangler.toml)');
      try {
        return new WorkersAiEmbedder(config.AI as AiEmbeddingRunner, {
          ...(config.EMBEDDING_MODEL ? { model: config.EMBEDDING_MODEL } : {}),
          ...(dims === undefined ? {} : { dimensions: dims }),
        });
      } catch (err) {
        throw new EmbedderConfigError(err instanceof Error ? err.message : String(err));
      }
    }
    case "openai": {
      if (!config.OPENAI_BASE_URL) throw new EmbedderConfigError('EMBEDDER="openai" needs OPENAI_BASE_URL');
      try {
        return new OpenAiEmbedder({
          baseUrl: config.OPENAI_BASE_URL,
          ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
          ...(config.EMBEDDING_MODEL ? { model: config.EMBEDDING_MODEL } : {}),
          ...(dims === undefined ? {} : { dimensions: dims }),
        });
      } catch (err) {
        throw new EmbedderConfigError(err instanceof Error ? err.message : String(err));
      }
    }
    default:
      throw new EmbedderConfigError(`unknown EMBEDDER "${config.EMBEDDER}": use local, workers-ai or openai`);
  }
}
