// The tenant's job registry in D1 (job id → cube), and the public shape of a job.
import type { Env } from "../env";
import type { CubeIdentity, JobRecord } from "../memory/cube-contract";

export async function registerJob(env: Env, identity: CubeIdentity, jobId: string): Promise<void> {
  await env.DB.prepare("INSERT OR IGNORE INTO jobs (id, tenant_id, cube_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(jobId, identity.tenant_id, identity.cube_id, Date.now())
    .run();
}

export async function unregisterJob(env: Env, identity: CubeIdentity, jobId: string): Promise<void> {
  await env.DB.prepare("DELETE FROM jobs WHERE id = ? AND tenant_id = ?").bind(jobId, identity.tenant_id).run();
}

export async function locateJob(env: Env, tenantId: string, jobId: string): Promise<string | null> {
  const row = await env.DB.prepare("SELECT cube_id FROM jobs WHERE id = ? AND tenant_id = ?").bind(jobId, tenantId).first<{ cube_id: string }>();
  return row?.cube_id ?? null;
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
