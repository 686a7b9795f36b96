// What the cube's parameter-memory RPC methods answer: the view (settings, adapters, job), the dataset, the adapter a chat uses.
import { z } from "zod";
import { identitySchema, idempotencySchema } from "../../../src/memory/cube-contract";
import { distillPatchSchema, type DistillConfig } from "../../../src/memory/distill/config";
import { consolidationPatchSchema } from "../../../src/memory/consolidate/config";
import type { TrainingSet } from "../../../src/memory/distill/dataset";
import { adaptersOnGoneMemories, markStale, readAdapter, readAdapters, readDistillConfig, readJob, readUsers, userKey, type AdapterRow, type JobRow, type UserState } from "./store";
import { trainingSetOf } from "./select";

const userPart = z.string().min(1).max(200).nullable();

export const distillArgs = {
  config: z.tuple([identitySchema, distillPatchSchema, idempotencySchema.optional()]),
  dataset: z.tuple([identitySchema, userPart]),
  adapter: z.tuple([identitySchema, userPart]),
  consolidation: z.tuple([identitySchema, consolidationPatchSchema, idempotencySchema.optional()]),
} as const;

export interface ParameterMemoryView {
  config: DistillConfig;
  adapters: AdapterRow[];
  job: JobRow | null;
  users: UserState[];
}

export function parameterMemoryView(sql: SqlStorage): ParameterMemoryView {
  return { config: readDistillConfig(sql), adapters: readAdapters(sql), job: readJob(sql), users: readUsers(sql) };
}

export interface DatasetView extends TrainingSet {
  user_id: string | null;
}

export async function datasetOf(sql: SqlStorage, userId: string | null, now: number): Promise<DatasetView> {
  return { user_id: userId, ...(await trainingSetOf(sql, userId, readDistillConfig(sql), now)) };
}

/**
 * The adapter a chat of `userId` uses: attached, not stale, and trained on memories that are all
 * still there (checked here too, so that a deletion takes effect before the task runs: it is
 * marked stale at once). Null: none.
 */
export function adapterForChat(sql: SqlStorage, userId: string | null, now: number): { name: string; base_model: string } | null {
  const a = readAdapter(sql, userId);
  if (!a || a.stale_at !== null) return null;
  const gone = adaptersOnGoneMemories(sql, now, userKey(userId))[0];
  if (gone) {
    markStale(sql, gone.user_key, now, `source memory ${gone.memory_id} was deleted`);
    return null;
  }
  return { name: a.adapter_name, base_model: a.base_model };
}
