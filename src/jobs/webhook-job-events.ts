// Job events for webhooks: `job.completed` once a job succeeded, `job.failed` once it was given up.
import type { Env } from "../env";
import type { CubeIdentity, JobRecord } from "../memory/cube-contract";
import type { Deps } from "../services/deps";
import { emitEvents } from "../services/webhooks-emit";
import { jobFinished } from "../webhooks/sources";

/**
 * Emits the event of a job in a final state. Called by the jobs consumer before it acks, so a
 * failed send retries the message, which finds the job finished and emits again: at least once,
 * with an id derived from the job and its outcome.
 */
export async function emitJobEvent(env: Env, identity: CubeIdentity, job: JobRecord): Promise<void> {
  const event = await jobFinished(identity, job);
  if (event) await emitEvents(env, identity.tenant_id, [event]);
}

/** After the dead-letter queue failed a job for good: reads it back and emits `job.failed`. */
export async function emitJobFailed(env: Env, deps: Deps, identity: CubeIdentity, jobId: string): Promise<void> {
  const res = await deps.cube(identity).getJob(identity, jobId);
  if (res.ok) await emitJobEvent(env, identity, res.value);
}
