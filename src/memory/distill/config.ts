// A cube's parameter-memory settings: what knowledge is stable enough to distill, when to re-distill, how long to wait for a job.
import { z } from "zod";

const DAY = 86_400_000;
const modelName = z.string().min(1).max(200);

const fields = {
  /** Off: no training job is started (an attached adapter stays in use until it goes stale). Nothing happens without a bridge either way. */
  enabled: z.boolean(),
  /** The model the adapter is trained for; null: the first model the bridge's first node serves. */
  base_model: modelName.nullable(),
  /** A memory is distilled once it is at least this old (knowledge that survived a while). */
  min_age_ms: z.number().int().min(0).max(3650 * DAY),
  /** Times it must have been stated (seen_count: 1 when added, one more per repeat folded into it). */
  min_confirmations: z.number().int().min(1).max(1_000),
  /** Reads it must have had (0: access does not matter). */
  min_accesses: z.number().int().min(0).max(1_000_000),
  /** Fewest examples worth a training job. */
  min_examples: z.number().int().min(1).max(10_000),
  /** Most examples of one training set (the most confirmed first). */
  max_examples: z.number().int().min(1).max(10_000),
  /** Share of the distilled memories that must have changed (edited, closed, or new stable ones) before a new job replaces the adapter. */
  redistill_share: z.number().min(0).max(1),
  /** A training job running longer than this is given up (a failed decision, retried with backoff). */
  job_timeout_ms: z.number().int().min(1_000).max(7 * DAY),
  /** First wait between polls of a running job; doubles up to `poll_max_ms`. */
  poll_ms: z.number().int().min(10).max(3_600_000),
  poll_max_ms: z.number().int().min(10).max(6 * 3_600_000),
};

export const distillConfigSchema = z
  .object({
    enabled: fields.enabled.default(true),
    base_model: fields.base_model.default(null),
    min_age_ms: fields.min_age_ms.default(7 * DAY),
    min_confirmations: fields.min_confirmations.default(2),
    min_accesses: fields.min_accesses.default(0),
    min_examples: fields.min_examples.default(3),
    max_examples: fields.max_examples.default(2_000),
    redistill_share: fields.redistill_share.default(0.2),
    job_timeout_ms: fields.job_timeout_ms.default(6 * 3_600_000),
    poll_ms: fields.poll_ms.default(5_000),
    poll_max_ms: fields.poll_max_ms.default(5 * 60_000),
  })
  .strict();

/** A change of some settings: only the fields given (no defaults filled in). */
export const distillPatchSchema = z.strictObject({
  enabled: fields.enabled.optional(),
  base_model: fields.base_model.optional(),
  min_age_ms: fields.min_age_ms.optional(),
  min_confirmations: fields.min_confirmations.optional(),
  min_accesses: fields.min_accesses.optional(),
  min_examples: fields.min_examples.optional(),
  max_examples: fields.max_examples.optional(),
  redistill_share: fields.redistill_share.optional(),
  job_timeout_ms: fields.job_timeout_ms.optional(),
  poll_ms: fields.poll_ms.optional(),
  poll_max_ms: fields.poll_max_ms.optional(),
});

export type DistillConfig = z.output<typeof distillConfigSchema>;
export type DistillConfigInput = z.input<typeof distillConfigSchema>;
export const DEFAULT_DISTILL_CONFIG: DistillConfig = distillConfigSchema.parse({});
