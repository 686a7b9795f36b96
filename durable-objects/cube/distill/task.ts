// The distillation task: start one LoRA training job through the bridge for a user whose stable knowledge changed, poll it, attach its adapter.
import type { BridgeClient } from "../../../src/bridge/client";
import { ApiError } from "../../../src/errors";
import type { CubeIdentity } from "../../../src/memory/cube-contract";
import { changedShare, pollDelayMs, retryDelayMs } from "../../../src/memory/distill/policy";
import type { TaskOutcome } from "../../../src/memory/scheduler/plan";
import { sha256Hex } from "../../../src/memory/text";
import { recordDecision } from "../scheduler/store";
import { memoriesMark } from "../consolidate/store";
import { ripensAt, stableOf, trainingSetOf, usersWithKnowledge } from "./select";
import {
  adaptersOnGoneMemories,
  deleteJob,
  failuresOf,
  markStale,
  markUnloaded,
  staleNotUnloaded,
  readAdapter,
  readDistillConfig,
  readAdapters,
  readJob,
  readLooked,
  readUsers,
  userFailed,
  userKey,
  userSucceeded,
  writeAdapter,
  writeJob,
  writeLooked,
  type JobRow,
} from "./store";

/** Users one run looks at. */
const USERS_PER_RUN = 100;

export interface DistillDeps {
  sql: SqlStorage;
  identity: CubeIdentity;
  /** Null when no bridge is configured. */
  bridge: BridgeClient | null;
  transaction<T>(fn: () => T): T;
  now: number;
}

const decide = (sql: SqlStorage, at: number, reason: string, decision: "run" | "failed" = "run") => recordDecision(sql, { at, task: "distillation", decision, reason });
const who = (userId: string | null) => userId ?? "no user";
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const unreachable = (err: unknown) => !(err instanceof ApiError) || err.code === "upstream_unavailable";

/**
 * Marks stale every adapter trained on a memory that is gone, and deletes every stale adapter from
 * the bridge once when one is there (unloaded from every node, then unregistered: weights made
 * from deleted memories are not kept; a chat may have marked it first). Answers how many it marked.
 */
export async function staleAdapters(deps: Pick<DistillDeps, "sql" | "identity" | "bridge" | "now" | "transaction">): Promise<number> {
  const gone = adaptersOnGoneMemories(deps.sql, deps.now);
  if (gone.length) {
    deps.transaction(() => {
      for (const g of gone) {
        markStale(deps.sql, g.user_key, deps.now, `source memory ${g.memory_id} was deleted`);
        decide(deps.sql, deps.now, `adapter ${g.adapter_name} is stale: its source memory ${g.memory_id} was deleted, so it is no longer used; the next distillation replaces it`);
      }
    });
  }
  if (deps.bridge) {
    const scope = { tenant_id: deps.identity.tenant_id, cube_id: deps.identity.cube_id };
    for (const a of staleNotUnloaded(deps.sql)) {
      try {
        await deps.bridge.deleteAdapter(scope, a);
      } catch (err) {
        // Unreachable: tried again on the next run. Refused (not found): nothing left to delete.
        if (unreachable(err)) continue;
      }
      deps.transaction(() => markUnloaded(deps.sql, a));
    }
  }
  return gone.length;
}

/** A job that ended without an adapter: a decision with its reason, the user retried after a backoff. */
function jobFailed(deps: DistillDeps, job: JobRow, reason: string): TaskOutcome {
  const { sql, now } = deps;
  const failures = failuresOf(sql, job.user_key) + 1;
  const retryAt = now + retryDelayMs(failures);
  deps.transaction(() => {
    deleteJob(sql, job.job_id);
    userFailed(sql, job.user_key, retryAt, reason);
    decide(sql, now, `training job ${job.job_id} for ${who(job.user_id)} failed: ${reason}; failure ${failures} in a row, retry at ${new Date(retryAt).toISOString()}`, "failed");
  });
  return { next_at: retryAt, note: `training job for ${who(job.user_id)} failed` };
}

/** Polls the job in flight: still running (poll again later), an adapter (attach it), or failed. */
async function poll(deps: DistillDeps, job: JobRow, bridge: BridgeClient): Promise<TaskOutcome> {
  const { sql, now } = deps;
  const config = readDistillConfig(sql);
  if (job.next_poll_at > now) return { next_at: job.next_poll_at };
  const scope = { tenant_id: deps.identity.tenant_id, cube_id: deps.identity.cube_id };
  let state;
  try {
    state = (await bridge.trainingJob(scope, job.job_id)).job;
  } catch (err) {
    if (err instanceof ApiError && err.code === "not_found") return jobFailed(deps, job, "the bridge no longer knows the job (restarted?)");
    throw new Error(`bridge unavailable while polling training job ${job.job_id}: ${message(err)}; backing off`);
  }
  if (state.state === "queued" || state.state === "running") {
    if (now - job.started_at > config.job_timeout_ms) return jobFailed(deps, job, `still ${state.state} after ${config.job_timeout_ms} ms, given up`);
    const next = now + pollDelayMs(job.polls, config);
    deps.transaction(() => writeJob(sql, { ...job, polls: job.polls + 1, next_poll_at: next }));
    return { next_at: next };
  }
  if (state.state === "failed" || !state.adapter) return jobFailed(deps, job, state.error ?? "the trainer reported no adapter");
  const adapter = state.adapter;
  deps.transaction(() => {
    const before = readAdapter(sql, job.user_id);
    deleteJob(sql, job.job_id);
    userSucceeded(sql, job.user_key);
    writeAdapter(sql, {
      user_key: job.user_key,
      user_id: job.user_id,
      adapter_name: adapter.name,
      base_model: adapter.base_model,
      sources: job.sources,
      dataset_hash: job.dataset_hash,
      examples: job.examples,
      job_id: job.job_id,
      created_at: now,
      stale_at: null,
      stale_reason: null,
    });
    decide(sql, now, `attached adapter ${adapter.name} (${adapter.base_model}, ${job.examples} examples) to ${who(job.user_id)}${before ? `, replacing ${before.adapter_name}` : ""}`);
  });
  // A source deleted while the job ran: the new adapter is stale at once.
  await staleAdapters(deps);
  return { next_at: now, note: `attached adapter ${adapter.name}` };
}

/** The first user (in order) whose stable knowledge is worth a new adapter, with why. */
function nextUser(deps: DistillDeps): { userId: string | null; reason: string } | null {
  const { sql, now } = deps;
  const config = readDistillConfig(sql);
  const waiting = new Map(readUsers(sql).map((u) => [u.user_key, u]));
  for (const userId of usersWithKnowledge(sql, USERS_PER_RUN)) {
    const w = waiting.get(userKey(userId));
    if (w?.retry_at && w.retry_at > now) continue;
    const stable = stableOf(sql, userId, config, now);
    if (stable.length < config.min_examples) continue;
    const current = readAdapter(sql, userId);
    if (!current) return { userId, reason: `${stable.length} stable memories and no adapter yet` };
    if (current.stale_at !== null) return { userId, reason: `adapter ${current.adapter_name} is stale (${current.stale_reason ?? "out of date"})` };
    const share = changedShare(current.sources, stable.map((m) => ({ id: m.id, version: m.version })));
    if (share > 0 && share >= config.redistill_share) return { userId, reason: `${Math.round(share * 100)}% of the distilled knowledge changed (threshold ${Math.round(config.redistill_share * 100)}%)` };
  }
  return null;
}

export async function runDistillation(deps: DistillDeps): Promise<TaskOutcome> {
  const { sql, now } = deps;
  await staleAdapters(deps);
  const job = readJob(sql);
  if (job) {
    if (!deps.bridge) throw new Error(`bridge unavailable: training job ${job.job_id} cannot be polled without BRIDGE_URL / BRIDGE_SECRET; backing off`);
    return poll(deps, job, deps.bridge);
  }
  const config = readDistillConfig(sql);
  if (!config.enabled) return { next_at: null };
  // The policy reads every user's memories: not again while nothing changed since it found nothing,
  // until a memory becomes old enough or a user's retry comes.
  const mark = `${memoriesMark(sql).mark}:${JSON.stringify(config)}:${readAdapters(sql).map((a) => `${a.adapter_name}/${a.stale_at ?? ""}`).join(",")}`;
  const looked = readLooked(sql);
  const retryDue = readUsers(sql).some((u) => u.retry_at !== null && u.retry_at <= now);
  if (looked && looked.mark === mark && !retryDue && (looked.until === null || now < looked.until)) return { next_at: looked.until };
  const pick = nextUser(deps);
  if (!pick) {
    const until = [ripensAt(sql, config.min_age_ms, now), ...readUsers(sql).map((u) => u.retry_at)].filter((t): t is number => t !== null && t > now).reduce<number | null>((m, t) => (m === null || t < m ? t : m), null);
    deps.transaction(() => writeLooked(sql, { mark, until }));
    return { next_at: until };
  }
  if (!deps.bridge) {
    deps.transaction(() => {
      decide(sql, now, `bridge unavailable: ${who(pick.userId)} has knowledge to distill (${pick.reason}), but parameter memory is off without a bridge (BRIDGE_URL / BRIDGE_SECRET)`);
      // Said once until something changes.
      writeLooked(sql, { mark, until: null });
    });
    return { next_at: null };
  }
  const bridge = deps.bridge;
  const scope = { tenant_id: deps.identity.tenant_id, cube_id: deps.identity.cube_id };
  const set = await trainingSetOf(sql, pick.userId, config, now);
  let baseModel = config.base_model;
  try {
    if (baseModel === null) {
      baseModel = (await bridge.nodes(scope)).nodes.flatMap((n) => n.models ?? [])[0] ?? null;
      if (baseModel === null) throw new Error("the bridge reports no node serving a model");
    }
    const name = `pm-${(await sha256Hex(userKey(pick.userId))).slice(0, 12)}-${now.toString(36)}`;
    const started = (await bridge.train(scope, { adapter_name: name, base_model: baseModel, dataset: { texts: set.lines } })).job;
    deps.transaction(() => {
      writeJob(sql, {
        job_id: started.id,
        user_key: userKey(pick.userId),
        user_id: pick.userId,
        adapter_name: name,
        base_model: baseModel as string,
        sources: set.sources,
        dataset_hash: set.hash,
        examples: set.lines.length,
        started_at: now,
        polls: 0,
        next_poll_at: now + config.poll_ms,
      });
      decide(sql, now, `started training job ${started.id} for ${who(pick.userId)}: ${pick.reason}; ${set.lines.length} examples, dataset ${set.hash.slice(0, 12)}, adapter ${name} on ${baseModel}`);
    });
    return { next_at: now + config.poll_ms, note: `started training job ${started.id}` };
  } catch (err) {
    if (unreachable(err)) throw new Error(`bridge unavailable: ${message(err)}; backing off`);
    // The bridge refused the job (no node for the model, a name taken...): the user waits out a backoff.
    const key = userKey(pick.userId);
    const failures = failuresOf(sql, key) + 1;
    const retryAt = now + retryDelayMs(failures);
    deps.transaction(() => {
      userFailed(sql, key, retryAt, message(err));
      decide(sql, now, `could not start a training job for ${who(pick.userId)}: ${message(err)}; failure ${failures} in a row, retry at ${new Date(retryAt).toISOString()}`, "failed");
    });
    return { next_at: retryAt };
  }
}
