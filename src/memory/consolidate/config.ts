// A cube's consolidation ("dreaming") settings: when the cube counts as idle, what is related, what is stale.
import { z } from "zod";
import { MEMORY_TYPES } from "../types";

const DAY = 86_400_000;

const fields = {
  /** Off: the task does nothing. */
  enabled: z.boolean(),
  /** The cube counts as idle once no memory was written for this long; consolidation waits for it. */
  idle_ms: z.number().int().min(0).max(30 * DAY),
  /** Two memories of one user, type and entity are related from this similarity (max of lexical Jaccard and vector cosine). */
  min_similarity: z.number().min(0.05).max(1),
  /** Cosine two vectors need on their own to count (vectors of one embedder only). */
  min_vector_similarity: z.number().min(0).max(1),
  /** Most memories merged into one. */
  max_group: z.number().int().min(2).max(50),
  /** Types whose memories are merged when related. */
  merge_types: z.array(z.enum(MEMORY_TYPES)).max(MEMORY_TYPES.length),
  /** Types closed as stale once their time passed this long ago and nobody read them since. */
  stale_types: z.array(z.enum(MEMORY_TYPES)).max(MEMORY_TYPES.length),
  stale_after_ms: z.number().int().min(0).max(3650 * DAY),
};

export const consolidationConfigSchema = z
  .object({
    enabled: fields.enabled.default(true),
    idle_ms: fields.idle_ms.default(10 * 60_000),
    min_similarity: fields.min_similarity.default(0.5),
    min_vector_similarity: fields.min_vector_similarity.default(0.9),
    max_group: fields.max_group.default(8),
    merge_types: fields.merge_types.default(["fact", "preference", "relationship", "note"]),
    stale_types: fields.stale_types.default(["plan"]),
    stale_after_ms: fields.stale_after_ms.default(30 * DAY),
  })
  .strict();

/** A change of some settings: only the fields given (no defaults filled in). */
export const consolidationPatchSchema = z.strictObject({
  enabled: fields.enabled.optional(),
  idle_ms: fields.idle_ms.optional(),
  min_similarity: fields.min_similarity.optional(),
  min_vector_similarity: fields.min_vector_similarity.optional(),
  max_group: fields.max_group.optional(),
  merge_types: fields.merge_types.optional(),
  stale_types: fields.stale_types.optional(),
  stale_after_ms: fields.stale_after_ms.optional(),
});

export type ConsolidationConfig = z.output<typeof consolidationConfigSchema>;
export type ConsolidationConfigInput = z.input<typeof consolidationConfigSchema>;
export const DEFAULT_CONSOLIDATION_CONFIG: ConsolidationConfig = consolidationConfigSchema.parse({});
