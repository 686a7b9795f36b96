// The cube's own audit chain: appended in the transaction of what it records, drained to D1.
import { backoffMs } from "./outbox/outbox";
import { cubeChainName, nextEntry, type AuditActor, type AuditEntry, type AuditEvent, type ChainHead, type StoredAuditEntry } from "../../src/governance/audit";
import type { CubeIdentity } from "../../src/memory/cube-contract";

/** Entries sent to D1 per batch. */
const DRAIN_BATCH = 100;
/** Drained entries the cube keeps beside its heads (D1 holds them all); older ones are pruned. */
const KEEP_DRAINED = 200;

/** A row of the cube's audit_log: a stored entry, its chain being the cube's. */
type AuditRow = Omit<StoredAuditEntry, "chain"> & Record<string, SqlStorageValue>;

/** A head of the cube's chain, with the chain's name. */
export type CubeChainHead = ChainHead & { chain: string };

/** The cube's audit heads, kept in meta: the last entry appended and the last one D1 confirmed. */
const HEAD_KEYS = { last: "audit_head", drained: "audit_drained" } as const;

function readHead(sql: SqlStorage, key: string): CubeChainHead | null {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
  return row ? (JSON.parse(row.value) as CubeChainHead) : null;
}

function writeHead(sql: SqlStorage, key: string, head: CubeChainHead): void {
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, JSON.stringify({ chain: head.chain, seq: head.seq, hash: head.hash }));
}

/** The last entry D1 confirmed (null: none yet). */
export const drainedHead = (sql: SqlStorage): CubeChainHead | null => readHead(sql, HEAD_KEYS.drained);

/** The actor a call carries (null: none given, recorded as system work). */
export function actorOf(identity: CubeIdentity): AuditActor | null {
  return identity.actor ? { key_id: identity.actor.key_id, request_id: identity.actor.request_id } : null;
}

/** Appends one entry to the cube's chain (named on its first entry). Call inside the write's transaction. */
export function appendAudit(sql: SqlStorage, identity: CubeIdentity, actor: AuditActor | null, event: AuditEvent, now: number): AuditEntry {
  const head = readHead(sql, HEAD_KEYS.last);
  const entry = nextEntry(head?.chain ?? cubeChainName(identity.cube_id, now), head, actor, event, now);
  sql.exec(
    "INSERT INTO audit_log (seq, at, key_id, request_id, action, target_ids, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    entry.seq,
    entry.at,
    entry.key_id,
    entry.request_id,
    entry.action,
    JSON.stringify(entry.target_ids),
    entry.prev_hash,
    entry.hash,
  );
  writeHead(sql, HEAD_KEYS.last, entry);
  return entry;
}

/**
 * Sends every undrained entry to D1's audit_entries (INSERT OR IGNORE on (tenant, chain, seq): a
 * repeated drain changes nothing), oldest first, then marks them drained. Throws when D1 fails;
 * what was not confirmed stays undrained.
 */
export async function drainAudit(sql: SqlStorage, db: D1Database, identity: CubeIdentity): Promise<number> {
  let drained = 0;
  const chain = readHead(sql, HEAD_KEYS.last)?.chain;
  for (;;) {
    if (chain === undefined) break;
    const rows = sql.exec<AuditRow>("SELECT seq, at, key_id, request_id, action, target_ids, prev_hash, hash FROM audit_log WHERE drained = 0 ORDER BY seq LIMIT ?", DRAIN_BATCH).toArray();
    const last = rows[rows.length - 1];
    if (!last) break;
    await db.batch(
      rows.map((r) =>
        db
          .prepare("INSERT OR IGNORE INTO audit_entries (tenant_id, chain, seq, at, key_id, request_id, action, target_ids, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
          .bind(identity.tenant_id, chain, r.seq, r.at, r.key_id, r.request_id, r.action, r.target_ids, r.prev_hash, r.hash),
      ),
    );
    sql.exec("UPDATE audit_log SET drained = 1 WHERE drained = 0 AND seq <= ?", last.seq);
    // Two drains may overlap (the alarm's and a verification's): the head only moves forward.
    if ((readHead(sql, HEAD_KEYS.drained)?.seq ?? 0) < last.seq) writeHead(sql, HEAD_KEYS.drained, { chain, seq: last.seq, hash: last.hash });
    sql.exec("DELETE FROM audit_log WHERE drained = 1 AND seq <= ?", last.seq - KEEP_DRAINED);
    drained += rows.length;
    if (rows.length < DRAIN_BATCH) break;
  }
  sql.exec("DELETE FROM meta WHERE key = 'audit_drain_attempts'");
  return drained;
}

/** A drain from the alarm: a D1 failure is counted and answered with when to try again (null: all sent). */
export async function drainAuditOrBackOff(sql: SqlStorage, db: D1Database, identity: CubeIdentity, now: number): Promise<number | null> {
  try {
    await drainAudit(sql, db, identity);
    return null;
  } catch (err) {
    const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'audit_drain_attempts'").toArray()[0];
    const attempts = (row ? Number(row.value) : 0) + 1;
    sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_drain_attempts', ?)", String(attempts));
    console.warn(JSON.stringify({ level: "warn", message: "audit drain failed", cube_id: identity.cube_id, attempts, error: err instanceof Error ? err.message : String(err) }));
    return now + backoffMs(attempts);
  }
}
