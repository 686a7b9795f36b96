// The retry schedule of a failed delivery: the delay before each next attempt, scaled for tests.

/** Seconds to wait after failed attempt n (1-based) before attempt n + 1. */
export const RETRY_SCHEDULE_S = [5, 30, 120, 600, 1_800, 3_600, 7_200, 14_400] as const;
/** Queues refuse a longer delay than 12 hours. */
const MAX_DELAY_S = 43_200;

/** Parses the WEBHOOK_BACKOFF_SCALE var: a factor of at least 0 (default 1; tests use 0). */
export function backoffScale(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 1;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`WEBHOOK_BACKOFF_SCALE must be a number >= 0, got ${raw}`);
  return n;
}

/** Whole seconds before the next attempt after `attempts` failed ones; past the table, its last step. */
export function retryDelaySeconds(attempts: number, scale = 1): number {
  const step = RETRY_SCHEDULE_S[Math.min(Math.max(1, attempts), RETRY_SCHEDULE_S.length) - 1] as number;
  return Math.min(MAX_DELAY_S, Math.round(step * scale));
}
