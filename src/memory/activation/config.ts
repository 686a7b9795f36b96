// A cube's activation settings: heat half-life, block size, when a block is worth re-rendering, budget.
import { z } from "zod";

const HOUR = 3_600_000;

/** Each setting's type and bounds, without its default: what a change may give. */
const fields = {
  /** Off: no block is registered (chat still renders the same prefix; the node's own cache alone). */
  enabled: z.boolean(),
  /** Heat halves over this many milliseconds without access. */
  half_life_ms: z.number().int().min(60_000).max(365 * 24 * HOUR),
  /** Most tokens of one block (profile and memories). */
  block_tokens: z.number().int().min(64).max(16_000),
  /** Most memories in one block besides the profile. */
  block_memories: z.number().int().min(1).max(200),
  /** A user's total heat below this gets no block (one look is not worth a warm-up). */
  min_user_heat: z.number().min(0).max(1_000),
  /** Heat-weighted share of changed memories that makes a registered block worth re-rendering. */
  min_change_share: z.number().min(0).max(1),
  /** A block is not re-rendered for heat alone more often than this (a removed memory forces it). */
  min_rerender_ms: z.number().int().min(0).max(7 * 24 * HOUR),
  /** Share of the node's budget this cube's blocks may fill (the rest is the conversations' KV). */
  fill: z.number().min(0.05).max(1),
  /** A cap of this cube's own, in bytes, below the node's share; null: the share alone. */
  budget_bytes: z.number().int().min(1).nullable(),
  /** Blocks kept warm are re-warmed at most this often (vLLM evicts least recently used prefixes). */
  keep_warm_ms: z.number().int().min(0).max(24 * HOUR),
};

export const DEFAULT_ACTIVATION_CONFIG = {
  enabled: true,
  half_life_ms: 24 * HOUR,
  block_tokens: 1_024,
  block_memories: 40,
  min_user_heat: 1.5,
  min_change_share: 0.2,
  min_rerender_ms: 60_000,
  fill: 0.6,
  budget_bytes: null,
  keep_warm_ms: 30_000,
} as const satisfies { [K in keyof typeof fields]: z.output<(typeof fields)[K]> };

export const activationConfigSchema = z.strictObject(fields);
export type ActivationConfig = z.output<typeof activationConfigSchema>;

/** A change of settings: only the fields given (no defaults filled in). */
export const activationPatchSchema = z.strictObject({
  enabled: fields.enabled.optional(),
  half_life_ms: fields.half_life_ms.optional(),
  block_tokens: fields.block_tokens.optional(),
  block_memories: fields.block_memories.optional(),
  min_user_heat: fields.min_user_heat.optional(),
  min_change_share: fields.min_change_share.optional(),
  min_rerender_ms: fields.min_rerender_ms.optional(),
  fill: fields.fill.optional(),
  budget_bytes: fields.budget_bytes.optional(),
  keep_warm_ms: fields.keep_warm_ms.optional(),
});
export type ActivationConfigInput = z.input<typeof activationPatchSchema>;
