// Safety net for extraction jobs whose queue message was lost: the cube's alarm sends them again.
import type { CubeIdentity } from "../../src/memory/cube-contract";
import type { JobMessage } from "../../src/jobs/messages";

/** A job not started this long after it was stored (or last re-sent) is sent to the queue again. */
export const REDISPATCH_AFTER_MS = 2 * 60_000;

/**
 * Re-sends queued jobs that no consumer has started. A duplicate message is harmless (jobs are
 * idempotent); a lost one would leave the job queued forever. Returns when to look again, or null.
 */
export async function redispatchStaleJobs(sql: SqlStorage, queue: Queue<JobMessage>, identity: CubeIdentity, now: number): Promise<number | null> {
  const stale = sql
    .exec<{ id: string }>(
      "SELECT id FROM jobs WHERE state = 'queued' AND attempts = 0 AND COALESCE(dispatched_at, created_at) <= ? LIMIT 100",
      now - REDISPATCH_AFTER_MS,
    )
    .toArray();
  if (stale.length) {
    await queue.sendBatch(stale.map((j) => ({ body: { kind: "extract", job_id: j.id, identity } satisfies JobMessage })));
    for (const j of stale) sql.exec("UPDATE jobs SET dispatched_at = ? WHERE id = ?", now, j.id);
  }
  const waiting = sql.exec<{ at: number | null }>("SELECT MIN(COALESCE(dispatched_at, created_at)) AS at FROM jobs WHERE state = 'queued' AND attempts = 0").one().at;
  return waiting === null ? null : Math.max(now + 1_000, waiting + REDISPATCH_AFTER_MS);
}
