// The tenant's job registry in D1 (job id → cube), the jobs queue, the public shape of a job, and the job list.
import { LIMITS, type CubeIdentity, type JobRecord } from "../memory/cube-contract";
import type { JobMessage } from "../jobs/messages";
import { ApiError } from "../errors";
import { cubeIdentity, reachableCubes, reachCube, type Principal } from "./access";
import { unwrap } from "./cubes";
import type { Deps } from "./deps";

export interface JobRegistry {
  register(identity: CubeIdentity, jobId: string): Promise<void>;
  unregister(identity: CubeIdentity, jobId: string): Promise<void>;
  /** The cube that runs a job of the tenant, or null. */
  locate(tenantId: string, jobId: string): Promise<string | null>;
  /** Forgets the jobs of a cube (the cube is being deleted). */
  removeCube(identity: CubeIdentity): Promise<void>;
  /** Hands a job to the queue's consumers. */
  enqueue(message: JobMessage): Promise<void>;
  /** The tenant's registered jobs newest first (by creation, then id), before `before`, in `cubes` (null: every cube); fakes of flows that never list may leave it out. */
  list?(tenantId: string, q: { cubes: string[] | null; before: JobCursor | null; limit: number }): Promise<Array<{ id: string; cube_id: string; created_at: number }>>;
}

/** Where a page of the job list stopped: the last row's creation time and id. */
export interface JobCursor {
  t: number;
  id: string;
}

export function d1JobRegistry(d1: D1Database, queue: Queue<JobMessage>): JobRegistry {
  return {
    async register(identity, jobId) {
      await d1.prepare("INSERT OR IGNORE INTO jobs (id, tenant_id, cube_id, created_at) VALUES (?, ?, ?, ?)").bind(jobId, identity.tenant_id, identity.cube_id, Date.now()).run();
    },
    async unregister(identity, jobId) {
      await d1.prepare("DELETE FROM jobs WHERE id = ? AND tenant_id = ?").bind(jobId, identity.tenant_id).run();
    },
    async locate(tenantId, jobId) {
      const row = await d1.prepare("SELECT cube_id FROM jobs WHERE id = ? AND tenant_id = ?").bind(jobId, tenantId).first<{ cube_id: string }>();
      return row?.cube_id ?? null;
    },
    async removeCube(identity) {
      await d1.prepare("DELETE FROM jobs WHERE tenant_id = ? AND cube_id = ?").bind(identity.tenant_id, identity.cube_id).run();
    },
    async enqueue(message) {
      await queue.send(message);
    },
    async list(tenantId, q) {
      // The cube list travels as one JSON parameter (D1 binds at most 100 values).
      const where = ["tenant_id = ?"];
      const args: Array<string | number> = [tenantId];
      if (q.cubes !== null) {
        where.push("cube_id IN (SELECT value FROM json_each(?))");
        args.push(JSON.stringify(q.cubes));
      }
      if (q.before) {
        where.push("(created_at < ? OR (created_at = ? AND id < ?))");
        args.push(q.before.t, q.before.t, q.before.id);
      }
      const rows = await d1
        .prepare(`SELECT id, cube_id, created_at FROM jobs WHERE ${where.join(" AND ")} ORDER BY created_at DESC, id DESC LIMIT ?`)
        .bind(...args, q.limit)
        .all<{ id: string; cube_id: string; created_at: number }>();
      return rows.results;
    },
  };
}

export function jobOut(identity: CubeIdentity, job: JobRecord) {
  return {
    id: job.id,
    cube_id: identity.cube_id,
    state: job.state,
    mode: job.mode,
    attempts: job.attempts,
    error: job.error,
    result: job.result,
    message_ids: job.message_ids,
    created_at: new Date(job.created_at).toISOString(),
    updated_at: new Date(job.updated_at).toISOString(),
  };
}

/** A job of the caller's tenant, in a cube within its reach (else 404, as if absent), and its cube. */
export async function readJob(deps: Deps, who: Principal, jobId: string): Promise<{ identity: CubeIdentity; job: JobRecord }> {
  const cubeId = await deps.jobs.locate(who.tenant_id, jobId);
  if (!cubeId) throw new ApiError("not_found", `job ${jobId} not found`);
  try {
    const { identity } = await reachCube(deps, who, { cube_id: cubeId }, "read");
    return { identity, job: unwrap(await deps.cube(identity).getJob(identity, jobId)) };
  } catch (err) {
    if (err instanceof ApiError && err.code === "not_found") throw new ApiError("not_found", `job ${jobId} not found`);
    throw err;
  }
}

/** How many registry rows one list request reads at most (the states live in the cubes: each row is a cube call). */
export const JOB_LIST_SCAN = 200;

export interface JobListQuery {
  cube_id?: string | undefined;
  state?: JobRecord["state"] | undefined;
  kind?: JobRecord["kind"] | undefined;
  limit: number;
  before: JobCursor | null;
}

/**
 * The tenant's jobs newest first. D1 knows only where each job lives and when it was registered,
 * so a page is read from D1 (the cubes within the caller's reach, or the one named) and each row's
 * state is read from its cube. With a state or kind filter, rows that do not match are skipped: at
 * most JOB_LIST_SCAN rows are read per request, so a page may hold fewer than `limit` jobs while
 * `next_cursor` says there is more to look at. Jobs a cube no longer knows (the cube was deleted,
 * or the job forgotten) are left out.
 */
export async function listJobs(deps: Deps, who: Principal, q: JobListQuery): Promise<{ jobs: Array<{ identity: CubeIdentity; job: JobRecord }>; next_cursor: JobCursor | null }> {
  let cubes: string[] | null;
  if (q.cube_id !== undefined) cubes = [(await reachCube(deps, who, { cube_id: q.cube_id }, "read")).identity.cube_id];
  else cubes = (await reachableCubes(deps, who, 1_000))?.map((r) => r.identity.cube_id) ?? null;
  if (cubes !== null && cubes.length === 0) return { jobs: [], next_cursor: null };
  const filtered = q.state !== undefined || q.kind !== undefined;
  const out: Array<{ identity: CubeIdentity; job: JobRecord }> = [];
  const registry = deps.jobs;
  if (!registry.list) throw new Error("this job registry cannot list jobs");
  let before = q.before;
  let scanned = 0;
  while (out.length < q.limit && scanned < JOB_LIST_SCAN) {
    const want = filtered ? Math.min(JOB_LIST_SCAN - scanned, Math.max(q.limit * 2, 20)) : q.limit - out.length;
    const rows = await registry.list(who.tenant_id, { cubes, before, limit: want });
    if (rows.length === 0) return { jobs: out, next_cursor: null };
    // One call per cube of the page, not per job.
    const byCube = new Map<string, string[]>();
    for (const row of rows) byCube.set(row.cube_id, [...(byCube.get(row.cube_id) ?? []), row.id]);
    const parts = [...byCube].flatMap(([cubeId, ids]) => Array.from({ length: Math.ceil(ids.length / LIMITS.listLimit) }, (_, i) => [cubeId, ids.slice(i * LIMITS.listLimit, (i + 1) * LIMITS.listLimit)] as const));
    const known = new Map<string, { identity: CubeIdentity; job: JobRecord }>();
    await Promise.all(
      parts.map(async ([cubeId, ids]) => {
        const identity = cubeIdentity(who, cubeId);
        const got = await deps.cube(identity).getJobs(identity, ids);
        if (got.ok) for (const job of got.value) known.set(`${cubeId}\u0000${job.id}`, { identity, job });
      }),
    );
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as (typeof rows)[number];
      scanned++;
      before = { t: row.created_at, id: row.id };
      const f = known.get(`${row.cube_id}\u0000${row.id}`);
      if (f && (q.state === undefined || f.job.state === q.state) && (q.kind === undefined || f.job.kind === q.kind)) out.push(f);
      if (out.length === q.limit) break;
    }
    if (rows.length < want && out.length < q.limit) return { jobs: out, next_cursor: null };
  }
  return { jobs: out, next_cursor: before };
}
