// A cube's parameter-memory settings: what knowledge is stable enough to distill, when to re-distill, how long to wait for a job.
import { z } from "zod";

const DAY = 86_400_000;
const modelName = z.string().min(1).max(200);

export const distillConfigSchema = z
  .object({
    /** Off: no training job is started (an attached adapter stays in use until it goes stale). Nothing happens without a bridge either way. */
    enabled: z.boolean().default(true),
    /** The model the adapter is trained for; null: the first model the bridge's first node serves. */
    base_model: modelName.nullable().default(null),
    /** A memory is distilled once it is at least this old (knowledge that survived a while). */
    min_age_ms: z.number().int().min(0).max(3650 * DAY).default(7 * DAY),
    /** Times it must have been stated (seen_count: 1 when added, one more per repeat folded into it). */
    min_confirmations: z.number().int().min(1).max(1_000).default(2),
    /** Reads it must have had (0: access does not matter). */
    min_accesses: z.number().int().min(0).max(1_000_000).default(0),
    /** Fewest examples worth a training job. */
    min_examples: z.number().int().min(1).max(10_000).default(3),
    /** Most examples of one training set (the most confirmed first). */
    max_examples: z.number().int().min(1).max(10_000).default(2_000),
    /** Share of the distilled memories that must have changed (edited, closed, or new stable ones) before a new job replaces the adapter. */
    redistill_share: z.number().min(0).max(1).default(0.2),
    /** A training job running longer than this is given up (a failed decision, retried with backoff). */
    job_timeout_ms: z.number().int().min(1_000).max(7 * DAY).default(6 * 3_600_000),
    /** First wait between polls of a running job; doubles up to `poll_max_ms`. */
    poll_ms: z.number().int().min(10).max(3_600_000).default(5_000),
    poll_max_ms: z.number().int().min(10).max(6 * 3_600_000).default(5 * 60_000),
  })
  .strict();

export type DistillConfig = z.output<typeof distillConfigSchema>;
export type DistillConfigInput = z.input<typeof distillConfigSchema>;
export const DEFAULT_DISTILL_CONFIG: DistillConfig = distillConfigSchema.parse({});
