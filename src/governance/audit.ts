// The audit log's hash chain: entries, their canonical hash, the next link, and verification.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/** What an audit entry records. Targets are ids (memories, keys, grants, cubes), never content. */
export const AUDIT_ACTIONS = [
  "memory.add",
  "memory.ingest",
  "memory.update",
  "memory.delete",
  "memory.delete_scope",
  "memory.feedback",
  "memory.read",
  "memory.list",
  "memory.history",
  "memory.search",
  "memory.expire",
  "memory.archive",
  "memory.purge",
  "memory.consolidate",
  "job.complete",
  "skill.create",
  "skill.update",
  "skill.delete",
  "skill.read",
  "skill.list",
  "skill.search",
  "skill.instantiate",
  "skill.export",
  "skill.feedback",
  "skill.mine",
  "pii.reveal",
  "cube.privacy",
  "cube.lifecycle",
  "cube.parameter_memory",
  "cube.consolidation",
  "cube.activation",
  "cube.delete",
  "key.create",
  "key.revoke",
  "data_key.rotate",
  "data_key.rewrap",
  "tenant.create",
  "grant.create",
  "grant.revoke",
  "export",
  "group.create",
  "group.delete",
  "group.members_add",
  "group.members_remove",
  "hub.publish",
  "hub.approve",
  "hub.reject",
  "hub.unpublish",
  "hub.read",
  "hub.search",
  "hub.install",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The chain of tenant-level events (keys, tenants, grants, cube deletions, exports). */
export const TENANT_CHAIN = "tenant";
/**
 * A cube's chain is `<cube id>#<when it began, base 36 ms>`: a cube deleted and made again under
 * the same id starts a chain of its own, and the deleted one's stays in D1 as it was. `#` is in no
 * cube id, so the cube id is everything before the last `#`.
 */
export const cubeChainName = (cubeId: string, startedAt: number) => `${cubeId}#${startedAt.toString(36)}`;
export function cubeOfChain(chain: string): string | null {
  const i = chain.lastIndexOf("#");
  return i > 0 && /^[0-9a-z]+$/.test(chain.slice(i + 1)) ? chain.slice(0, i) : null;
}
/** How a cube.delete entry of the tenant chain names the deleted cube's last entry: `head:<seq>:<hash>`. */
export const headTarget = (head: ChainHead) => `head:${head.seq}:${head.hash}`;
export function parseHeadTarget(target: string): ChainHead | null {
  const m = /^head:(\d+):([0-9a-f]{64})$/.exec(target);
  return m ? { seq: Number(m[1]), hash: m[2] as string } : null;
}
/** prev_hash of an entry with seq 1. */
export const GENESIS_HASH = "0".repeat(64);
/** Most target ids one entry keeps (a search or list names at most this many results). */
export const MAX_AUDIT_TARGETS = 500;

/** Who did it: the API key and the request; null key for system work (jobs, alarms). */
export interface AuditActor {
  key_id: string | null;
  request_id: string | null;
}

export interface AuditEntry extends AuditActor {
  chain: string;
  /** 1, 2, 3, ... without gaps within a chain. */
  seq: number;
  /** ms since the epoch. */
  at: number;
  action: AuditAction | string;
  target_ids: string[];
  prev_hash: string;
  hash: string;
}

/** An entry as a store keeps it: the target ids as a JSON array (the cube's rows and D1's alike). */
export type StoredAuditEntry = Omit<AuditEntry, "target_ids"> & { target_ids: string };

export type AuditEvent = { action: AuditAction; target_ids: readonly string[] };
export type ChainHead = { seq: number; hash: string };

/** The one serialization that is hashed: every field but `hash`, in this fixed order. */
export function canonicalEntry(e: Omit<AuditEntry, "hash">): string {
  return JSON.stringify([e.chain, e.seq, e.at, e.key_id, e.request_id, e.action, e.target_ids, e.prev_hash]);
}

/** SHA-256 hex of the canonical serialization (synchronous, so it fits in a SQLite transaction). */
export function entryHash(e: Omit<AuditEntry, "hash">): string {
  return bytesToHex(sha256(utf8ToBytes(canonicalEntry(e))));
}

/** The entry that follows `head` (null: the chain's first). */
export function nextEntry(chain: string, head: ChainHead | null, actor: AuditActor | null, event: AuditEvent, at: number): AuditEntry {
  const body = {
    chain,
    seq: (head?.seq ?? 0) + 1,
    at,
    key_id: actor?.key_id ?? null,
    request_id: actor?.request_id ?? null,
    action: event.action,
    target_ids: [...new Set(event.target_ids)].slice(0, MAX_AUDIT_TARGETS),
    prev_hash: head?.hash ?? GENESIS_HASH,
  };
  return { ...body, hash: entryHash(body) };
}

export type AuditBreak = "changed" | "removed" | "reordered";
export type VerifyResult = { ok: true; entries: number; head: ChainHead | null } | { ok: false; entries: number; first_bad_seq: number; reason: AuditBreak };

const recomputes = (e: AuditEntry, seq: number) => entryHash({ ...e, seq }) === e.hash;

/**
 * Recomputes a chain from entries sorted by seq. `expectedHead` is the writer's own record of an
 * entry it knows was stored (the cube's last drained entry): stored entries that stop short of it
 * lost their tail; the stored entry at its seq must carry its hash.
 *
 * The first entry that breaks the chain is named, with why:
 * - `removed`: a seq is missing, or an entry links to one that is nowhere (the entries in between
 *   were deleted and the rest renumbered), or the tail ends before the expected head;
 * - `reordered`: an intact entry sits at another seq than its own, or links to an entry that is
 *   there but elsewhere;
 * - `changed`: an entry's hash does not recompute, or an entry was rewritten with a fresh hash
 *   (the next entry no longer links to it), or the last entry differs from the expected head.
 */
export function verifyChain(entries: readonly AuditEntry[], expectedHead: ChainHead | null = null): VerifyResult {
  const hashes = new Set(entries.map((e) => e.hash));
  const seqs = entries.map((e) => e.seq);
  let prev: AuditEntry | null = null;
  let expectedSeq = 1;
  for (const e of entries) {
    const bad = (first_bad_seq: number, reason: AuditBreak): VerifyResult => ({ ok: false, entries: entries.length, first_bad_seq, reason });
    if (e.seq > expectedSeq) return bad(expectedSeq, "removed");
    if (e.seq < expectedSeq) return bad(e.seq, "reordered");
    const prevHash = prev?.hash ?? GENESIS_HASH;
    const linksElsewhere = e.prev_hash !== prevHash && (e.prev_hash === GENESIS_HASH || hashes.has(e.prev_hash));
    if (!recomputes(e, e.seq)) {
      // Intact but at another place: its hash recomputes with another seq.
      const own = [...seqs, e.seq + 1].find((s) => s !== e.seq && recomputes(e, s));
      if (own === undefined) return bad(e.seq, "changed");
      return bad(e.seq, linksElsewhere || e.prev_hash === prevHash ? "reordered" : "removed");
    }
    if (e.prev_hash !== prevHash) {
      if (linksElsewhere) return bad(e.seq, "reordered");
      // It links to an entry that is nowhere: the one before it was rewritten (with a fresh hash).
      return bad(prev ? prev.seq : e.seq, prev ? "changed" : "removed");
    }
    prev = e;
    expectedSeq++;
  }
  const head = prev ? { seq: prev.seq, hash: prev.hash } : null;
  if (expectedHead) {
    if (!head || head.seq < expectedHead.seq) return { ok: false, entries: entries.length, first_bad_seq: (head?.seq ?? 0) + 1, reason: "removed" };
    // Entries past the expected head may have been drained since it was read; the one at its seq must be it.
    const atHead = entries.find((e) => e.seq === expectedHead.seq);
    if (atHead && atHead.hash !== expectedHead.hash) return { ok: false, entries: entries.length, first_bad_seq: expectedHead.seq, reason: "changed" };
  }
  return { ok: true, entries: entries.length, head };
}
