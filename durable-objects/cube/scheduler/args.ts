// Arguments of the cube's scheduler RPC methods, checked like the others'.
import { z } from "zod";
import { identitySchema } from "../../../src/memory/cube-contract";
import { DEFAULT_WORKING_MEMORY_TOKENS } from "../../../src/memory/working-memory";
import { MAX_DECISIONS, MAX_WAIT_WAKES } from "../../../src/memory/scheduler/plan";

const decisions = z.number().int().min(0).max(MAX_DECISIONS);

export const schedulerRunOptions = z
  .object({
    wait: z.boolean().default(false),
    max_wakes: z.number().int().min(1).max(MAX_WAIT_WAKES).default(20),
    decisions: decisions.default(20),
  })
  .strict();
export type SchedulerRunOptions = z.input<typeof schedulerRunOptions>;

export const schedulerArgs = {
  state: z.tuple([identitySchema, decisions]),
  run: z.tuple([identitySchema, schedulerRunOptions]),
} as const;

/** Most tokens a working memory may hold. */
export const MAX_WORKING_MEMORY_TOKENS = 16_000;
const scopePart = z.string().min(1).max(200);

export const workingMemoryOptions = z
  .object({
    session_id: scopePart,
    user_id: scopePart.optional(),
    visible_agents: z.array(scopePart).min(1).max(50).optional(),
    budget_tokens: z.number().int().min(1).max(MAX_WORKING_MEMORY_TOKENS).default(DEFAULT_WORKING_MEMORY_TOKENS),
  })
  .strict();
export type WorkingMemoryOptions = z.input<typeof workingMemoryOptions>;

export const workingMemoryArgs = z.tuple([identitySchema, workingMemoryOptions]);

/** How many preference memories a search answers beside its results (absent or 0: none). */
export const preferenceCount = z.number().int().min(0).max(20).optional();

/** A profile's user (null: the memories of no user). */
export const profileArgs = z.tuple([identitySchema, scopePart.nullable()]);
