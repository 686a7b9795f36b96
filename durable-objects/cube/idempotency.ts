// Idempotency keys of the cube's writes: a retried request gets the first answer, unchanged.
import { fail, ok, type CubeResult, type Idempotency } from "../../src/memory/cube-contract";

const TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Looks up an idempotency key. `hit` carries the stored answer; a key reused with another
 * request body is a conflict; `miss` means the caller runs the write and calls `remember`.
 */
export function recall<T>(sql: SqlStorage, idem: Idempotency | undefined, now: number): { kind: "miss" } | { kind: "hit"; result: CubeResult<T> } {
  if (!idem) return { kind: "miss" };
  const row = sql
    .exec<{ request_hash: string; response: string; created_at: number }>("SELECT request_hash, response, created_at FROM idempotency WHERE key = ?", idem.key)
    .toArray()[0];
  if (!row || row.created_at < now - TTL_MS) return { kind: "miss" };
  if (row.request_hash !== idem.request_hash) {
    return { kind: "hit", result: fail("conflict", "Idempotency-Key was already used with a different request") };
  }
  return { kind: "hit", result: ok(JSON.parse(row.response) as T) };
}

export function remember(sql: SqlStorage, idem: Idempotency | undefined, value: unknown, now: number): void {
  if (!idem) return;
  sql.exec(
    "INSERT INTO idempotency (key, request_hash, response, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET request_hash = excluded.request_hash, response = excluded.response, created_at = excluded.created_at",
    idem.key,
    idem.request_hash,
    JSON.stringify(value),
    now,
  );
}

export function purgeIdempotency(sql: SqlStorage, now: number): void {
  sql.exec("DELETE FROM idempotency WHERE created_at < ?", now - TTL_MS);
}
