// The audit log in D1: the tenant's own chain (keys, tenants, grants, cube deletions), queries, verification.
import { ApiError } from "../errors";
import { TENANT_CHAIN, cubeOfChain, nextEntry, parseHeadTarget, verifyChain, type AuditActor, type AuditBreak, type AuditEntry, type AuditEvent, type ChainHead, type StoredAuditEntry } from "../governance/audit";
import { cubeIdSchema } from "../memory/cube-contract";

/** Tries of an append that lost the race for the next seq to a concurrent writer. */
const APPEND_TRIES = 8;
/** Chains one verify call without `chain` covers (in chain order); the rest are counted, not verified. */
export const MAX_VERIFY_CHAINS = 50;
/** Entries of one chain a verify call recomputes; a longer chain is verified up to here and marked truncated. */
export const MAX_VERIFY_ENTRIES = 50_000;
/** Entries one verify call recomputes over all its chains; chains past it are left out (and counted). */
export const MAX_VERIFY_TOTAL = 100_000;
const VERIFY_PAGE = 5_000;

/** "tenant", or `<cube id>#<start>`. */
export function isChainName(chain: string): boolean {
  if (chain === TENANT_CHAIN) return true;
  const cubeId = cubeOfChain(chain);
  return cubeId !== null && cubeIdSchema.safeParse(cubeId).success;
}

const COLUMNS = "chain, seq, at, key_id, request_id, action, target_ids, prev_hash, hash";

function toEntry(r: StoredAuditEntry): AuditEntry {
  return { ...r, target_ids: JSON.parse(r.target_ids) as string[] };
}

/** The actor of a request: its key and request id. */
export const actorOf = (who: { key_id: string; request_id?: string | null | undefined }): AuditActor => ({ key_id: who.key_id, request_id: who.request_id ?? null });

/**
 * Appends a tenant-level event to the tenant's chain: reads the last (seq, hash), inserts seq + 1.
 * The primary key (tenant, chain, seq) admits one entry per seq, so a concurrent append makes this
 * one insert nothing; it then reads the new head and tries again. The chain cannot fork.
 * `alongside` (the change the event records) runs in one D1 batch, a transaction, with the first
 * try: the change is never stored without its entry, nor the entry without the change.
 */
export async function recordTenantEvent(db: D1Database, tenantId: string, actor: AuditActor | null, event: AuditEvent, alongside: D1PreparedStatement[] = [], now = Date.now()): Promise<AuditEntry> {
  let pending = alongside;
  for (let i = 0; i < APPEND_TRIES; i++) {
    const head = await db
      .prepare("SELECT seq, hash FROM audit_entries WHERE tenant_id = ? AND chain = ? ORDER BY seq DESC LIMIT 1")
      .bind(tenantId, TENANT_CHAIN)
      .first<ChainHead>();
    const entry = nextEntry(TENANT_CHAIN, head, actor, event, now);
    const insert = db
      .prepare(`INSERT OR IGNORE INTO audit_entries (tenant_id, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .bind(tenantId, entry.chain, entry.seq, entry.at, entry.key_id, entry.request_id, entry.action, JSON.stringify(entry.target_ids), entry.prev_hash, entry.hash);
    const results = pending.length ? await db.batch([...pending, insert]) : [await insert.run()];
    pending = [];
    if ((results[results.length - 1]?.meta.changes ?? 0) > 0) return entry;
  }
  throw new ApiError("upstream_unavailable", "the audit log is busy; retry", { retry_after_s: 1 });
}

export interface AuditQuery {
  chain?: string | undefined;
  /** Every chain of this cube id (one per time a cube of that id was made). */
  cube_id?: string | undefined;
  action?: string | undefined;
  key_id?: string | undefined;
  target_id?: string | undefined;
  /** ms since the epoch, inclusive. */
  from?: number | undefined;
  /** ms since the epoch, exclusive. */
  to?: number | undefined;
  /** Where the previous page stopped: entries strictly older (at, chain, seq descending). */
  after?: { at: number; chain: string; seq: number } | undefined;
  limit: number;
}

/** The tenant's entries matching the filters, newest first, one page and where the next one starts. */
export async function listAudit(db: D1Database, tenantId: string, q: AuditQuery): Promise<{ entries: AuditEntry[]; next: AuditQuery["after"] | null }> {
  const where = ["tenant_id = ?"];
  const args: Array<string | number> = [tenantId];
  const add = (sql: string, ...v: Array<string | number>) => {
    where.push(sql);
    args.push(...v);
  };
  if (q.chain !== undefined) add("chain = ?", q.chain);
  // Chains of a cube are `<cube id>#<start>`; '$' is the character after '#'.
  if (q.cube_id !== undefined) add("chain > ? AND chain < ?", `${q.cube_id}#`, `${q.cube_id}$`);
  if (q.action !== undefined) add("action = ?", q.action);
  if (q.key_id !== undefined) add("key_id = ?", q.key_id);
  if (q.target_id !== undefined) add("EXISTS (SELECT 1 FROM json_each(audit_entries.target_ids) WHERE json_each.value = ?)", q.target_id);
  if (q.from !== undefined) add("at >= ?", q.from);
  if (q.to !== undefined) add("at < ?", q.to);
  if (q.after) add("(at < ? OR (at = ? AND (chain < ? OR (chain = ? AND seq < ?))))", q.after.at, q.after.at, q.after.chain, q.after.chain, q.after.seq);
  const rows = await db
    .prepare(`SELECT ${COLUMNS} FROM audit_entries WHERE ${where.join(" AND ")} ORDER BY at DESC, chain DESC, seq DESC LIMIT ?`)
    .bind(...args, q.limit + 1)
    .all<StoredAuditEntry>();
  const page = rows.results.slice(0, q.limit).map(toEntry);
  const last = page[page.length - 1];
  return { entries: page, next: rows.results.length > q.limit && last ? { at: last.at, chain: last.chain, seq: last.seq } : null };
}

export interface ChainVerdict {
  chain: string;
  ok: boolean;
  entries: number;
  first_bad_seq?: number;
  reason?: AuditBreak;
  /** The chain is longer than one call verifies: only its first MAX_VERIFY_ENTRIES were. */
  truncated?: boolean;
}

/** A cube's own record of its current chain's last entry in D1 (it drains first); null when it has none (or was deleted). */
export type HeadOf = (cubeId: string) => Promise<(ChainHead & { chain: string }) | null>;

/** The last entry of a deleted cube's chain, as the tenant chain's cube.delete entry names it. */
async function deletedChainHead(db: D1Database, tenantId: string, chain: string): Promise<ChainHead | null> {
  const row = await db
    .prepare("SELECT target_ids FROM audit_entries WHERE tenant_id = ? AND chain = ? AND action = 'cube.delete' AND EXISTS (SELECT 1 FROM json_each(audit_entries.target_ids) WHERE json_each.value = ?) ORDER BY seq DESC LIMIT 1")
    .bind(tenantId, TENANT_CHAIN, chain)
    .first<{ target_ids: string }>();
  if (!row) return null;
  for (const t of JSON.parse(row.target_ids) as string[]) {
    const head = parseHeadTarget(t);
    if (head) return head;
  }
  return null;
}

/** What the writer knows of a chain's last stored entry: the live cube's own head, else the one its deletion recorded. */
async function expectedHead(db: D1Database, tenantId: string, chain: string, headOf: HeadOf): Promise<ChainHead | null> {
  const cubeId = cubeOfChain(chain);
  if (chain === TENANT_CHAIN || cubeId === null) return null;
  const live = await headOf(cubeId);
  if (live && live.chain === chain) return { seq: live.seq, hash: live.hash };
  return deletedChainHead(db, tenantId, chain);
}

async function chainEntries(db: D1Database, tenantId: string, chain: string): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let after = 0;
  while (out.length <= MAX_VERIFY_ENTRIES) {
    const page = await db
      .prepare(`SELECT ${COLUMNS} FROM audit_entries WHERE tenant_id = ? AND chain = ? AND seq > ? ORDER BY seq LIMIT ?`)
      .bind(tenantId, chain, after, VERIFY_PAGE)
      .all<StoredAuditEntry>();
    for (const r of page.results) out.push(toEntry(r));
    const last = page.results[page.results.length - 1];
    if (!last || page.results.length < VERIFY_PAGE) break;
    after = last.seq;
  }
  return out;
}

async function verifyOne(db: D1Database, tenantId: string, chain: string, headOf: HeadOf): Promise<ChainVerdict> {
  // The writer's head first: entries drained after it was read only lengthen what D1 holds.
  const head = await expectedHead(db, tenantId, chain, headOf);
  const all = await chainEntries(db, tenantId, chain);
  const truncated = all.length > MAX_VERIFY_ENTRIES;
  const entries = truncated ? all.slice(0, MAX_VERIFY_ENTRIES) : all;
  const v = verifyChain(entries, truncated ? null : head);
  const base = { chain, entries: entries.length, ...(truncated ? { truncated: true } : {}) };
  return v.ok ? { ...base, ok: true } : { ...base, ok: false, first_bad_seq: v.first_bad_seq, reason: v.reason };
}

/**
 * Verifies one chain of the tenant, or each of its chains in name order: at most MAX_VERIFY_CHAINS,
 * and no new chain once MAX_VERIFY_TOTAL entries were recomputed (the rest are counted as left out;
 * name them with `chain` to verify them).
 */
export async function verifyAudit(db: D1Database, tenantId: string, chain: string | undefined, headOf: HeadOf): Promise<{ ok: boolean; chains: ChainVerdict[]; chains_left_out: number }> {
  let names: string[];
  let leftOut = 0;
  if (chain !== undefined) {
    if (!isChainName(chain)) throw new ApiError("invalid_request", `chain ${chain} is neither "tenant" nor a cube's chain (<cube id>#<start>)`);
    const known = await db.prepare("SELECT 1 AS one FROM audit_entries WHERE tenant_id = ? AND chain = ? LIMIT 1").bind(tenantId, chain).first();
    // A cube chain whose entries were all removed from D1 is still known to its writer.
    if (!known && (await expectedHead(db, tenantId, chain, headOf)) === null) throw new ApiError("not_found", `audit chain ${chain} not found`);
    names = [chain];
  } else {
    const rows = await db.prepare("SELECT DISTINCT chain FROM audit_entries WHERE tenant_id = ? ORDER BY chain LIMIT ?").bind(tenantId, MAX_VERIFY_CHAINS + 1).all<{ chain: string }>();
    names = rows.results.map((r) => r.chain).slice(0, MAX_VERIFY_CHAINS);
    if (rows.results.length > MAX_VERIFY_CHAINS) {
      const n = await db.prepare("SELECT COUNT(DISTINCT chain) AS n FROM audit_entries WHERE tenant_id = ?").bind(tenantId).first<{ n: number }>();
      leftOut = (n?.n ?? 0) - MAX_VERIFY_CHAINS;
    }
  }
  const chains: ChainVerdict[] = [];
  let total = 0;
  for (const name of names) {
    if (total >= MAX_VERIFY_TOTAL) {
      leftOut += names.length - chains.length;
      break;
    }
    const verdict = await verifyOne(db, tenantId, name, headOf);
    chains.push(verdict);
    total += verdict.entries;
  }
  return { ok: chains.every((c) => c.ok), chains, chains_left_out: leftOut };
}

/** The tenant chain as a flow's dependency (src/services/deps.ts). */
export interface TenantAuditLog {
  record(tenantId: string, actor: AuditActor | null, event: AuditEvent): Promise<AuditEntry>;
}

export const d1TenantAudit = (db: D1Database): TenantAuditLog => ({ record: (tenantId, actor, event) => recordTenantEvent(db, tenantId, actor, event) });
