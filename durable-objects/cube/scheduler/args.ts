// Arguments of the cube's scheduler RPC methods, checked like the others'.
import { z } from "zod";
import { identitySchema } from "../../../src/memory/cube-contract";
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
