// The tenant's job registry in D1 (job id → cube), the jobs queue, and the public shape of a job.
import type { CubeIdentity, JobRecord } from "../memory/cube-contract";
import type { JobMessage } from "../jobs/messages";
import { ApiError } from "../errors";
import { reachCube, type Principal } from "./access";
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
