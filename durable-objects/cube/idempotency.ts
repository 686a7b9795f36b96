// Idempotency keys of the cube's writes: a retried request gets the first answer, unchanged.
import { fail, ok, type CubeResult, type Idempotency } from "../../src/memory/cube-contract";
import { scrubColumns } from "./scrub";

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
  const stored = JSON.parse(row.response) as unknown;
  if (isForgotten(stored)) {
    // Running the write again would bring back what was deleted; answering the first result would show it.
    return { kind: "hit", result: fail("conflict", "the memories this request wrote were deleted since; its answer is no longer kept", { deleted: stored[FORGOTTEN] }) };
  }
  return { kind: "hit", result: ok(stored as T) };
}

const FORGOTTEN = "$forgotten";
const MEMORY_ID = /"(mem_[0-9A-Za-z_]+)"/g;

function isForgotten(v: unknown): v is { [FORGOTTEN]: string[] } {
  return typeof v === "object" && v !== null && FORGOTTEN in v;
}

/** Stores the answer of a key, and which memories it names, so that deleting one forgets the answer. */
export function remember(sql: SqlStorage, idem: Idempotency | undefined, value: unknown, now: number): void {
  if (!idem) return;
  const response = JSON.stringify(value);
  sql.exec(
    "INSERT INTO idempotency (key, request_hash, response, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET request_hash = excluded.request_hash, response = excluded.response, created_at = excluded.created_at",
    idem.key,
    idem.request_hash,
    response,
    now,
  );
  sql.exec("DELETE FROM idempotency_refs WHERE key = ?", idem.key);
  for (const id of new Set([...response.matchAll(MEMORY_ID)].map((m) => m[1] as string))) {
    sql.exec("INSERT OR IGNORE INTO idempotency_refs (memory_id, key) VALUES (?, ?)", id, idem.key);
  }
}

/**
 * Replaces every stored answer that names a deleted memory by a marker: the key still refuses to
 * run its write again, but the answer (the memory's text, tags, metadata) is gone.
 */
export function forgetAnswersOf(sql: SqlStorage, memoryId: string): void {
  const keys = sql.exec<{ key: string }>("DELETE FROM idempotency_refs WHERE memory_id = ? RETURNING key", memoryId).toArray();
  for (const { key } of keys) {
    const row = sql.exec<{ response: string }>("SELECT response FROM idempotency WHERE key = ?", key).toArray()[0];
    if (!row) continue;
    const prior = JSON.parse(row.response) as unknown;
    const deleted = isForgotten(prior) ? [...prior[FORGOTTEN], memoryId] : [memoryId];
    scrubColumns(sql, "idempotency", ["response"], "key = ?", key);
    sql.exec("UPDATE idempotency SET response = ? WHERE key = ?", JSON.stringify({ [FORGOTTEN]: deleted }), key);
  }
}

export function purgeIdempotency(sql: SqlStorage, now: number): void {
  sql.exec("DELETE FROM idempotency_refs WHERE key IN (SELECT key FROM idempotency WHERE created_at < ?)", now - TTL_MS);
  sql.exec("DELETE FROM idempotency WHERE created_at < ?", now - TTL_MS);
}
