// Reads and writes of the cube's memories; every change writes a version and an outbox row.
import { signProvenance } from "../../src/governance/provenance";
import { placeholdersIn } from "../../src/governance/pii";
import { eraseUnreferenced } from "./privacy";
import type { ChangeReason, Memory } from "../../src/memory/types";
import type { CubeIdentity, MemoryFilter, NewMemory } from "../../src/memory/cube-contract";
import { cubeRef, newMemoryId } from "../../src/lib/ids";
import { MEMORY_COLUMNS, rowToMemory, type MemoryRow } from "./rows";
import type { VectorCache } from "./search/vectors";
import { enqueueOutbox } from "./outbox/outbox";
import { linkEntities, relinkEntities, unlinkEntities } from "./entities";
import { forgetAnswersOf } from "./idempotency";
import { scrubColumns, scrubFts } from "./scrub";
import { policyExpiry } from "./lifecycle";
import { SESSION_SUMMARY_TAG } from "../../src/memory/working-memory";

export interface StoreContext {
  sql: SqlStorage;
  identity: CubeIdentity;
  vectors: VectorCache;
  /** The key that signs each version's provenance; null leaves versions unsigned (no MASTER_KEY). */
  provenance?: Uint8Array | null;
}

const json = (v: unknown) => JSON.stringify(v);

function ftsInsert(sql: SqlStorage, seq: number, m: Pick<Memory, "text" | "entities" | "tags">): void {
  sql.exec("INSERT INTO memory_fts (rowid, text, entities, tags) VALUES (?, ?, ?, ?)", seq, m.text, m.entities.join(" "), m.tags.join(" "));
}

function ftsDelete(sql: SqlStorage, seq: number): void {
  sql.exec("DELETE FROM memory_fts WHERE rowid = ?", seq);
}

/** A version's provenance signature, or null when the cube has no signing key. */
function signature(ctx: StoreContext, v: { id: string; version: number; hash: string | null; source_message_ids: readonly string[] }, reason: string, source: string | null): string | null {
  if (!ctx.provenance) return null;
  return signProvenance(ctx.provenance, { tenant_id: ctx.identity.tenant_id, cube_id: ctx.identity.cube_id, ...v, reason, source });
}

function writeVersion(ctx: StoreContext, m: Memory, reason: ChangeReason, source: string | null, at: number): void {
  ctx.sql.exec(
    "INSERT INTO memory_versions (memory_id, version, reason, source, at, snapshot, signature) VALUES (?, ?, ?, ?, ?, ?, ?)",
    m.id,
    m.version,
    reason,
    source,
    at,
    json(m),
    signature(ctx, m, reason, source),
  );
}

export function getRow(sql: SqlStorage, id: string): MemoryRow | undefined {
  return sql.exec<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories WHERE id = ?`, id).toArray()[0];
}

/** Inserts a new memory (version 1) with its FTS row, vector, version and outbox row. */
export function insertMemory(ctx: StoreContext, item: NewMemory, embedder: string, reason: ChangeReason, source: string | null, now: number): Memory {
  const id = newMemoryId(cubeRef(ctx.identity.cube_id), now);
  // An add that names no expiry takes the cube's policy for the memory's type.
  const expiresAt = item.expires_at !== undefined ? item.expires_at : policyExpiry(ctx.sql, item.type, now);
  const cursor = ctx.sql.exec<{ seq: number }>(
    `INSERT INTO memories (id, user_id, agent_id, session_id, text, type, tags, entities, metadata, importance, state, version, hash,
       created_at, updated_at, valid_from, valid_to, event_time, source_message_ids, seen_count, last_seen_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', 1, ?, ?, ?, ?, NULL, ?, ?, 1, ?, ?) RETURNING seq`,
    id,
    item.user_id,
    item.agent_id,
    item.session_id,
    item.text,
    item.type,
    json(item.tags),
    json(item.entities),
    json(item.metadata),
    item.importance,
    item.hash,
    now,
    now,
    item.valid_from ?? item.event_time ?? now,
    item.event_time,
    json(item.source_message_ids),
    now,
    expiresAt,
  );
  const seq = cursor.one().seq;
  const memory: Memory = {
    id,
    tenant_id: ctx.identity.tenant_id,
    cube_id: ctx.identity.cube_id,
    user_id: item.user_id,
    agent_id: item.agent_id,
    session_id: item.session_id,
    text: item.text,
    type: item.type,
    tags: item.tags,
    entities: item.entities,
    metadata: item.metadata,
    importance: item.importance,
    state: "active",
    version: 1,
    hash: item.hash,
    created_at: now,
    updated_at: now,
    valid_from: item.valid_from ?? item.event_time ?? now,
    valid_to: null,
    event_time: item.event_time,
    source_message_ids: item.source_message_ids,
    seen_count: 1,
    last_seen_at: now,
    expires_at: expiresAt,
  };
  ftsInsert(ctx.sql, seq, memory);
  linkEntities(ctx.sql, seq, memory.entities, now);
  if (item.vector) ctx.vectors.put(seq, embedder, item.vector);
  writeVersion(ctx, memory, reason, source, now);
  enqueueOutbox(ctx.sql, id, "upsert", now);
  return memory;
}

export interface MemoryPatch {
  text?: string;
  hash?: string;
  vector?: Float32Array;
  type?: Memory["type"];
  tags?: string[];
  entities?: string[];
  metadata?: Memory["metadata"];
  importance?: number;
  state?: "active" | "archived";
  valid_to?: number | null;
  source_message_ids?: string[];
  event_time?: number | null;
  /** A new expiry (ms), or null to clear it. */
  expires_at?: number | null;
}

/** Writes a new version of an existing memory. Returns the new current row. */
export function updateMemory(ctx: StoreContext, row: MemoryRow, patch: MemoryPatch, embedder: string, reason: ChangeReason, source: string | null, now: number): Memory {
  const current = rowToMemory(row, ctx.identity);
  const next: Memory = {
    ...current,
    text: patch.text ?? current.text,
    hash: patch.hash ?? current.hash,
    type: patch.type ?? current.type,
    tags: patch.tags ?? current.tags,
    entities: patch.entities ?? current.entities,
    metadata: patch.metadata ?? current.metadata,
    importance: patch.importance ?? current.importance,
    state: patch.state ?? current.state,
    valid_to: patch.valid_to === undefined ? current.valid_to : patch.valid_to,
    event_time: patch.event_time === undefined ? current.event_time : patch.event_time,
    expires_at: patch.expires_at === undefined ? (current.expires_at ?? null) : patch.expires_at,
    source_message_ids: patch.source_message_ids ?? current.source_message_ids,
    version: current.version + 1,
    updated_at: now,
  };
  ctx.sql.exec(
    `UPDATE memories SET text = ?, hash = ?, type = ?, tags = ?, entities = ?, metadata = ?, importance = ?, state = ?,
       valid_to = ?, event_time = ?, source_message_ids = ?, version = ?, updated_at = ?, expires_at = ? WHERE seq = ?`,
    next.text,
    next.hash,
    next.type,
    json(next.tags),
    json(next.entities),
    json(next.metadata),
    next.importance,
    next.state,
    next.valid_to,
    next.event_time,
    json(next.source_message_ids),
    next.version,
    now,
    next.expires_at ?? null,
    row.seq,
  );
  if (patch.text !== undefined || patch.tags !== undefined || patch.entities !== undefined) {
    ftsDelete(ctx.sql, row.seq);
    ftsInsert(ctx.sql, row.seq, next);
  }
  if (patch.entities !== undefined) relinkEntities(ctx.sql, row, next, now);
  if (patch.vector) ctx.vectors.put(row.seq, embedder, patch.vector);
  writeVersion(ctx, next, reason, source, now);
  enqueueOutbox(ctx.sql, next.id, "upsert", now);
  return next;
}

/**
 * Hard-deletes a memory's content: text, FTS row, vector and the text of every version go;
 * a tombstone (id, state, version, time) stays for audit and so that the id is never reused.
 */
export function deleteMemory(ctx: StoreContext, row: MemoryRow, source: string | null, now: number, reason: "delete" | "expire" = "delete"): void {
  const version = row.version + 1;
  // The personal data this memory named, to erase from the vault once nothing else names it.
  const named = [row.text, ...ctx.sql.exec<{ snapshot: string }>("SELECT snapshot FROM memory_versions WHERE memory_id = ?", row.id).toArray().map((v) => v.snapshot)].flatMap(placeholdersIn);
  scrubColumns(ctx.sql, "memories", ["text", "tags", "entities", "metadata", "source_message_ids"], "seq = ?", row.seq);
  scrubColumns(ctx.sql, "memory_versions", ["snapshot"], "memory_id = ?", row.id);
  scrubFts(ctx.sql, row.seq);
  scrubColumns(ctx.sql, "vectors", ["data"], "seq = ?", row.seq);
  forgetAnswersOf(ctx.sql, row.id);
  ctx.sql.exec(
    `UPDATE memories SET text = '', hash = '', tags = '[]', entities = '[]', metadata = '{}', source_message_ids = '[]',
       state = 'deleted', version = ?, updated_at = ?, valid_to = COALESCE(valid_to, ?), expires_at = NULL WHERE seq = ?`,
    version,
    now,
    now,
    row.seq,
  );
  ftsDelete(ctx.sql, row.seq);
  unlinkEntities(ctx.sql, row.seq);
  ctx.vectors.remove(row.seq);
  ctx.sql.exec("DELETE FROM memory_versions WHERE memory_id = ?", row.id);
  ctx.sql.exec(
    "INSERT INTO memory_versions (memory_id, version, reason, source, at, snapshot, signature) VALUES (?, ?, ?, ?, ?, ?, ?)",
    row.id,
    version,
    reason,
    source,
    now,
    json({ id: row.id, state: "deleted", version }),
    signature(ctx, { id: row.id, version, hash: null, source_message_ids: [] }, reason, source),
  );
  enqueueOutbox(ctx.sql, row.id, "delete", now);
  if (named.length > 0) eraseUnreferenced(ctx.sql, named);
  dropQuotingSummaries(ctx, row, now);
}

/**
 * A session's summary memory quotes the memories extracted from its older turns: when one of them
 * is deleted, the summary that quotes it is deleted too (deleted means gone from every memory),
 * its turns are marked forgotten, and the session is marked for compaction again, which writes a
 * summary without them.
 */
function dropQuotingSummaries(ctx: StoreContext, row: MemoryRow, now: number): void {
  if (!row.session_id || !row.text || (JSON.parse(row.tags) as string[]).includes(SESSION_SUMMARY_TAG)) return;
  // Its turns are not summarized by their first sentence either, which would quote the fact again.
  for (const id of JSON.parse(row.source_message_ids) as string[]) {
    ctx.sql.exec("INSERT OR IGNORE INTO forgotten_turns (message_id, session_id) VALUES (?, ?)", id, row.session_id);
  }
  const quoting = ctx.sql
    .exec<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories WHERE session_id = ? AND seq != ? AND state != 'deleted' AND instr(text, ?) > 0
         AND EXISTS (SELECT 1 FROM json_each(tags) WHERE value = ?)`,
      row.session_id,
      row.seq,
      row.text,
      SESSION_SUMMARY_TAG,
    )
    .toArray();
  if (quoting.length === 0) return;
  for (const summary of quoting) deleteMemory(ctx, summary, "compaction", now);
  ctx.sql.exec("UPDATE working_memory SET compacted_at = NULL WHERE session_id = ?", row.session_id);
}

export interface FilterOptions {
  /** Search only sees memories valid now, or valid at `asOf`; listings see every version's current row. */
  validity?: "now" | "any" | { asOf: number };
  /** Match every state but deleted, whatever the filter says (used by scope deletes, which take expired memories too). */
  anyState?: boolean;
  /** "Now" for expiry: expired memories never match, unless `anyState`. Default the real now. */
  now?: number;
}

/** SQL condition and bindings for a filter over the memories table (aliased `m`). */
export function filterSql(filter: MemoryFilter, opts: FilterOptions = {}): { where: string; args: SqlStorageValue[] } {
  const parts: string[] = [];
  const args: SqlStorageValue[] = [];
  if (opts.anyState) {
    parts.push("m.state != 'deleted'");
  } else {
    parts.push("m.state = ?");
    args.push(filter.state ?? "active");
    // Gone once expired, even before the alarm turns it into a tombstone.
    parts.push("(m.expires_at IS NULL OR m.expires_at > ?)");
    args.push(opts.now ?? Date.now());
  }
  for (const key of ["user_id", "agent_id", "session_id"] as const) {
    const v = filter[key];
    if (v !== undefined) {
      parts.push(`m.${key} = ?`);
      args.push(v);
    }
  }
  if (filter.visible_agents) {
    parts.push(`(m.agent_id IS NULL OR m.agent_id IN (${filter.visible_agents.map(() => "?").join(", ")}))`);
    args.push(...filter.visible_agents);
  }
  if (filter.types?.length) {
    parts.push(`m.type IN (${filter.types.map(() => "?").join(", ")})`);
    args.push(...filter.types);
  }
  for (const tag of filter.tags ?? []) {
    parts.push("EXISTS (SELECT 1 FROM json_each(m.tags) WHERE json_each.value = ?)");
    args.push(tag);
  }
  if (filter.created_after !== undefined) {
    parts.push("m.created_at >= ?");
    args.push(filter.created_after);
  }
  if (filter.created_before !== undefined) {
    parts.push("m.created_at < ?");
    args.push(filter.created_before);
  }
  const validity = opts.validity ?? "now";
  if (validity === "now") {
    parts.push("m.valid_to IS NULL");
  } else if (validity !== "any") {
    parts.push("m.valid_from <= ? AND (m.valid_to IS NULL OR m.valid_to > ?)");
    args.push(validity.asOf, validity.asOf);
  }
  return { where: parts.join(" AND "), args };
}
