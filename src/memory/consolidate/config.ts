// A cube's consolidation ("dreaming") settings: when the cube counts as idle, what is related, what is stale.
import { z } from "zod";
import { MEMORY_TYPES } from "../types";

const DAY = 86_400_000;

export const consolidationConfigSchema = z
  .object({
    /** Off: the task does nothing. */
    enabled: z.boolean().default(true),
    /** The cube counts as idle once no memory was written for this long; consolidation waits for it. */
    idle_ms: z.number().int().min(0).max(30 * DAY).default(10 * 60_000),
    /** Two memories of one user, type and entity are related from this similarity (max of lexical Jaccard and vector cosine). */
    min_similarity: z.number().min(0.05).max(1).default(0.5),
    /** Cosine two vectors need on their own to count (vectors of one embedder only). */
    min_vector_similarity: z.number().min(0).max(1).default(0.9),
    /** Most memories merged into one. */
    max_group: z.number().int().min(2).max(50).default(8),
    /** Types whose memories are merged when related. */
    merge_types: z.array(z.enum(MEMORY_TYPES)).max(MEMORY_TYPES.length).default(["fact", "preference", "relationship", "note"]),
    /** Types closed as stale once their time passed this long ago and nobody read them since. */
    stale_types: z.array(z.enum(MEMORY_TYPES)).max(MEMORY_TYPES.length).default(["plan"]),
    stale_after_ms: z.number().int().min(0).max(3650 * DAY).default(30 * DAY),
  })
  .strict();

export type ConsolidationConfig = z.output<typeof consolidationConfigSchema>;
export type ConsolidationConfigInput = z.input<typeof consolidationConfigSchema>;
export const DEFAULT_CONSOLIDATION_CONFIG: ConsolidationConfig = consolidationConfigSchema.parse({});
