// A cube's activation settings: heat half-life, block size, when a block is worth re-rendering, budget.
import { z } from "zod";

const HOUR = 3_600_000;

export const activationConfigSchema = z
  .object({
    /** Off: no block is registered (chat still renders the same prefix; the node's own cache alone). */
    enabled: z.boolean().default(true),
    /** Heat halves over this many milliseconds without access. */
    half_life_ms: z.number().int().min(60_000).max(365 * 24 * HOUR).default(24 * HOUR),
    /** Most tokens of one block (profile and memories). */
    block_tokens: z.number().int().min(64).max(16_000).default(1_024),
    /** Most memories in one block besides the profile. */
    block_memories: z.number().int().min(1).max(200).default(40),
    /** A user's total heat below this gets no block (one look is not worth a warm-up). */
    min_user_heat: z.number().min(0).max(1_000).default(1.5),
    /** Heat-weighted share of changed memories that makes a registered block worth re-rendering. */
    min_change_share: z.number().min(0).max(1).default(0.2),
    /** A block is not re-rendered for heat alone more often than this (a removed memory forces it). */
    min_rerender_ms: z.number().int().min(0).max(7 * 24 * HOUR).default(60_000),
    /** Share of the node's budget this cube's blocks may fill (the rest is the conversations' KV). */
    fill: z.number().min(0.05).max(1).default(0.6),
    /** A cap of this cube's own, in bytes, below the node's share; null: the share alone. */
    budget_bytes: z.number().int().min(1).nullable().default(null),
    /** Blocks kept warm are re-warmed at most this often (vLLM evicts least recently used prefixes). */
    keep_warm_ms: z.number().int().min(0).max(24 * HOUR).default(30_000),
  })
  .strict();

export type ActivationConfig = z.output<typeof activationConfigSchema>;
export type ActivationConfigInput = z.input<typeof activationConfigSchema>;

export const DEFAULT_ACTIVATION_CONFIG: ActivationConfig = activationConfigSchema.parse({});
