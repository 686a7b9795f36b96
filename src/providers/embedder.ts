// The Embedder interface: every provider of text embeddings implements it.

/**
 * Turns texts into vectors. Implementations must:
 * - return one L2-normalized Float32Array of length `dimensions` per input, in input order;
 * - be deterministic for the same `id` (vectors from different ids are not comparable,
 *   so stored vectors are tagged with the embedder id that produced them);
 * - throw ProviderError (src/providers/errors.ts) when an upstream call fails.
 */
export interface Embedder {
  readonly id: string;
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}
