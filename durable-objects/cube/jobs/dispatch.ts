// Safety net for extraction jobs: the cube's alarm re-sends jobs whose queue message was lost and
// jobs whose consumer died while running them (their lease ran out).
import type { CubeIdentity } from "../../../src/memory/cube-contract";
import type { JobMessage } from "../../../src/jobs/messages";

/** A job not started this long after it was stored (or last re-sent) is sent to the queue again. */
export const REDISPATCH_AFTER_MS = 2 * 60_000;
/**
 * How long a consumer may run a job before the cube assumes it died. A job still running past it
 * is sent again; if both runs finish, the second finds the job done (completion is idempotent).
 */
export const JOB_LEASE_MS = 5 * 60_000;
/** A job whose lease ran out this many times is failed for good instead of sent again. */
export const MAX_LEASES = 5;

const message = (id: string, identity: CubeIdentity): { body: JobMessage } => ({ body: { kind: "extract", job_id: id, identity } });

/**
 * Re-sends queued jobs that no consumer has started, and jobs whose lease expired. A duplicate
 * message is harmless (jobs are idempotent); a lost one, or a consumer killed mid-run, would
 * leave the job waiting forever. Returns when to look again, or null when nothing waits.
 */
export async function redispatchStaleJobs(sql: SqlStorage, queue: Queue<JobMessage>, identity: CubeIdentity, now: number): Promise<number | null> {
  const stale = sql
    .exec<{ id: string }>(
      "SELECT id FROM jobs WHERE state = 'queued' AND attempts = 0 AND COALESCE(dispatched_at, created_at) <= ? LIMIT 100",
      now - REDISPATCH_AFTER_MS,
    )
    .toArray();
  const expired = sql
    .exec<{ id: string; attempts: number }>("SELECT id, attempts FROM jobs WHERE state = 'running' AND lease_until IS NOT NULL AND lease_until <= ? LIMIT 100", now)
    .toArray();
  const again = expired.filter((j) => j.attempts < MAX_LEASES);
  for (const j of expired) {
    if (j.attempts >= MAX_LEASES) {
      sql.exec(
        "UPDATE jobs SET state = 'failed', lease_until = NULL, updated_at = ?, error = ? WHERE id = ?",
        now,
        `no consumer finished the job within its lease in ${j.attempts} attempts`,
        j.id,
      );
    } else {
      sql.exec("UPDATE jobs SET state = 'queued', lease_until = NULL, updated_at = ? WHERE id = ?", now, j.id);
    }
  }
  const resend = [...stale.map((j) => j.id), ...again.map((j) => j.id)];
  if (resend.length) {
    await queue.sendBatch(resend.map((id) => message(id, identity)));
    for (const id of resend) sql.exec("UPDATE jobs SET dispatched_at = ? WHERE id = ?", now, id);
  }
  const waiting = sql.exec<{ at: number | null }>("SELECT MIN(COALESCE(dispatched_at, created_at)) AS at FROM jobs WHERE state = 'queued' AND attempts = 0").one().at;
  const lease = sql.exec<{ at: number | null }>("SELECT MIN(lease_until) AS at FROM jobs WHERE state = 'running'").one().at;
  const next = [waiting === null ? null : waiting + REDISPATCH_AFTER_MS, lease].filter((v): v is number => v !== null);
  return next.length ? Math.max(now + 1_000, Math.min(...next)) : null;
}
