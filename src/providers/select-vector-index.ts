// Chooses the tenant-wide VectorIndex once from configuration: none locally, Vectorize when deployed.
import { ConfigError } from "./config-error";
import type { VectorIndex } from "../memory/vectors/vector-index";
import { VectorizeVectorIndex, type VectorizeLike } from "./vectorize-index";

export interface VectorIndexConfig {
  VECTOR_INDEX?: string;
  VECTORIZE?: VectorizeLike;
}

/**
 * "local" (default): each cube's own in-memory index answers, and nothing is mirrored.
 * "vectorize": the outbox mirrors every vector into Vectorize; a missing binding is an error,
 * not a silent fallback, because searches would then miss what was never indexed.
 */
export function selectVectorIndex(config: VectorIndexConfig): VectorIndex | null {
  const kind = (config.VECTOR_INDEX ?? "local").trim().toLowerCase() || "local";
  if (kind === "local") return null;
  if (kind === "vectorize") {
    if (!config.VECTORIZE) throw new ConfigError('VECTOR_INDEX="vectorize" needs the VECTORIZE binding');
    return new VectorizeVectorIndex(config.VECTORIZE);
  }
  throw new ConfigError(`unknown VECTOR_INDEX "${config.VECTOR_INDEX}" (expected local or vectorize)`);
}
