// A cube's skill tables: the current row, every version, sources, vectors and the FTS index, read and written here only.
import type { CubeIdentity } from "../../../src/memory/cube-contract";
import type { Skill, SkillDraft, SkillOrigin, SkillReliability, SkillState } from "../../../src/memory/skills/types";
import type { SkillFilter } from "../../../src/memory/skills-contract";
import { newId, cubeRef } from "../../../src/lib/ids";
import { skillText } from "../../../src/memory/skills/evolve";
import { scrubColumns } from "../scrub";
import { enqueueOutbox } from "../outbox/outbox";

/** The reasons a skill version is written for. */
export type SkillVersionReason = "created" | "upgraded" | "edited" | "feedback-state-change" | "imported" | "installed";

export interface SkillRow extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  user_id: string | null;
  agent_id: string | null;
  name: string;
  state: string;
  origin: string;
  version: number;
  hash: string;
  draft: string;
  reliability: string;
  hub: string | null;
  listing_id: string | null;
  seen_count: number;
  uses: number;
  created_at: number;
  updated_at: number;
}

const COLUMNS = "seq, id, user_id, agent_id, name, state, origin, version, hash, draft, reliability, hub, listing_id, seen_count, uses, created_at, updated_at";

/** A new skill's reliability: no use yet, the Laplace prior of 0.5. */
export const FRESH_RELIABILITY: SkillReliability = { successes: 0, failures: 0, score: 0.5, last_used_at: null };

type StoredDraft = Omit<SkillDraft, "source_message_ids">;

function sources(sql: SqlStorage, id: string): { messages: string[]; memories: string[] } {
  const rows = sql.exec<{ kind: string; source_id: string }>("SELECT kind, source_id FROM skill_sources WHERE skill_id = ? ORDER BY rowid", id).toArray();
  return { messages: rows.filter((r) => r.kind === "message").map((r) => r.source_id), memories: rows.filter((r) => r.kind === "memory").map((r) => r.source_id) };
}

export function rowToSkill(sql: SqlStorage, row: SkillRow, identity: CubeIdentity): Skill {
  const draft = JSON.parse(row.draft) as StoredDraft;
  const src = sources(sql, row.id);
  return {
    ...draft,
    source_message_ids: src.messages,
    id: row.id,
    cube_id: identity.cube_id,
    user_id: row.user_id,
    agent_id: row.agent_id,
    state: row.state as SkillState,
    version: row.version,
    origin: row.origin as SkillOrigin,
    source_memory_ids: src.memories,
    reliability: JSON.parse(row.reliability) as SkillReliability,
    hub: row.hub === null ? null : (JSON.parse(row.hub) as Skill["hub"]),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function skillRow(sql: SqlStorage, id: string): SkillRow | undefined {
  return sql.exec<SkillRow>(`SELECT ${COLUMNS} FROM skills WHERE id = ?`, id).toArray()[0];
}

export function skillByListing(sql: SqlStorage, listingId: string): SkillRow | undefined {
  return sql.exec<SkillRow>(`SELECT ${COLUMNS} FROM skills WHERE listing_id = ?`, listingId).toArray()[0];
}

/** The live skill of a user (null: of no user) with these steps, if any. */
export function skillByHash(sql: SqlStorage, hash: string, userId: string | null): SkillRow | undefined {
  return sql.exec<SkillRow>(`SELECT ${COLUMNS} FROM skills WHERE hash = ? AND user_id IS ? AND state != 'retired' ORDER BY seq LIMIT 1`, hash, userId).toArray()[0];
}

/** Every skill not retired: what a new draft is evolved against (cubes hold tens to hundreds). */
export function liveSkillRows(sql: SqlStorage): SkillRow[] {
  return sql.exec<SkillRow>(`SELECT ${COLUMNS} FROM skills WHERE state != 'retired' ORDER BY seq`).toArray();
}

export function hasSkills(sql: SqlStorage): boolean {
  return sql.exec("SELECT 1 FROM skills LIMIT 1").toArray().length > 0;
}

function stripSources(d: SkillDraft): StoredDraft {
  const { source_message_ids: _s, ...rest } = d;
  return rest;
}

function addSources(sql: SqlStorage, id: string, kind: "message" | "memory", ids: readonly string[]): void {
  for (const s of ids) sql.exec("INSERT OR IGNORE INTO skill_sources (skill_id, kind, source_id) VALUES (?, ?, ?)", id, kind, s);
}

export function addSkillSources(sql: SqlStorage, id: string, messageIds: readonly string[], memoryIds: readonly string[]): void {
  addSources(sql, id, "message", messageIds);
  addSources(sql, id, "memory", memoryIds);
}

function writeVersion(sql: SqlStorage, skill: Skill, reason: SkillVersionReason, source: string | null, now: number): void {
  sql.exec("INSERT INTO skill_versions (skill_id, version, reason, source, at, snapshot) VALUES (?, ?, ?, ?, ?, ?)", skill.id, skill.version, reason, source, now, JSON.stringify(skill));
}

function writeIndex(sql: SqlStorage, seq: number, draft: SkillDraft, embedding: { embedder: string; vector: Float32Array | null } | undefined): void {
  sql.exec("DELETE FROM skill_fts WHERE rowid = ?", seq);
  sql.exec("INSERT INTO skill_fts (rowid, text) VALUES (?, ?)", seq, skillText(draft));
  if (!embedding) return;
  const id = sql.exec<{ id: string }>("SELECT id FROM skills WHERE seq = ?", seq).one().id;
  if (embedding.vector) {
    sql.exec("INSERT OR REPLACE INTO skill_vectors (skill_id, embedder, data) VALUES (?, ?, ?)", id, embedding.embedder, embedding.vector.buffer.slice(embedding.vector.byteOffset, embedding.vector.byteOffset + embedding.vector.byteLength));
  } else {
    // A vector of the old text would describe another skill: none until the next embed.
    sql.exec("DELETE FROM skill_vectors WHERE skill_id = ?", id);
  }
}

export interface NewSkill {
  draft: SkillDraft;
  hash: string;
  user_id: string | null;
  agent_id: string | null;
  origin: SkillOrigin;
  state: SkillState;
  hub: Skill["hub"];
  source_memory_ids: readonly string[];
  embedding: { embedder: string; vector: Float32Array | null };
  reason: SkillVersionReason;
  /** What wrote it (a job id), for the version log. */
  source: string | null;
}

/** Inserts a skill at version 1 with its sources, index rows and first version. Inside a transaction. */
export function insertSkill(sql: SqlStorage, identity: CubeIdentity, s: NewSkill, now: number): Skill {
  const id = `${newId("skl", now)}_${cubeRef(identity.cube_id)}`;
  sql.exec(
    `INSERT INTO skills (id, user_id, agent_id, name, state, origin, version, hash, draft, reliability, hub, listing_id, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)`,
    id,
    s.user_id,
    s.agent_id,
    s.draft.name,
    s.state,
    s.origin,
    s.hash,
    JSON.stringify(stripSources(s.draft)),
    JSON.stringify(FRESH_RELIABILITY),
    s.hub === null ? null : JSON.stringify(s.hub),
    s.hub?.listing_id ?? null,
    now,
    now,
  );
  addSkillSources(sql, id, s.draft.source_message_ids, s.source_memory_ids);
  // Announced by the outbox's event sink (skill.created), committed with the skill.
  enqueueOutbox(sql, id, "skill.created", now);
  const row = skillRow(sql, id) as SkillRow;
  writeIndex(sql, row.seq, s.draft, s.embedding);
  const skill = rowToSkill(sql, row, identity);
  writeVersion(sql, skill, s.reason, s.source, now);
  return skill;
}

export interface SkillChange {
  draft?: SkillDraft;
  hash?: string;
  state?: SkillState;
  reliability?: SkillReliability;
  hub?: Skill["hub"];
  embedding?: { embedder: string; vector: Float32Array | null };
  /** Source ids added with the change. */
  source_memory_ids?: readonly string[];
}

/**
 * Writes the next version of a skill (content, state or provenance changed), or, with
 * `reason` null, updates its row in place (reliability, sources) without a version.
 */
export function changeSkill(sql: SqlStorage, identity: CubeIdentity, row: SkillRow, c: SkillChange, reason: SkillVersionReason | null, source: string | null, now: number): Skill {
  const draft = c.draft ? stripSources(c.draft) : (JSON.parse(row.draft) as StoredDraft);
  const version = reason === null ? row.version : row.version + 1;
  const hub = c.hub === undefined ? row.hub : c.hub === null ? null : JSON.stringify(c.hub);
  sql.exec(
    `UPDATE skills SET name = ?, state = ?, version = ?, hash = ?, draft = ?, reliability = ?, hub = ?, listing_id = ?, updated_at = ? WHERE seq = ?`,
    draft.name,
    c.state ?? row.state,
    version,
    c.hash ?? row.hash,
    JSON.stringify(draft),
    c.reliability ? JSON.stringify(c.reliability) : row.reliability,
    hub,
    c.hub === undefined ? row.listing_id : (c.hub?.listing_id ?? null),
    now,
    row.seq,
  );
  if (c.draft) addSources(sql, row.id, "message", c.draft.source_message_ids);
  if (c.source_memory_ids) addSources(sql, row.id, "memory", c.source_memory_ids);
  const next = skillRow(sql, row.id) as SkillRow;
  const skill = rowToSkill(sql, next, identity);
  if (c.draft) writeIndex(sql, row.seq, skill, c.embedding);
  if (reason !== null) writeVersion(sql, skill, reason, source, now);
  return skill;
}

/** Counts a repeat of a skill (a draft that did the same thing) and keeps its sources. */
export function seenAgain(sql: SqlStorage, row: SkillRow, messageIds: readonly string[], memoryIds: readonly string[], now: number): void {
  sql.exec("UPDATE skills SET seen_count = seen_count + 1, updated_at = ? WHERE seq = ?", now, row.seq);
  addSkillSources(sql, row.id, messageIds, memoryIds);
}

/** Counts an instantiation. */
export function recordUse(sql: SqlStorage, row: SkillRow, now: number): void {
  const rel = JSON.parse(row.reliability) as SkillReliability;
  sql.exec("UPDATE skills SET uses = uses + 1, reliability = ? WHERE seq = ?", JSON.stringify({ ...rel, last_used_at: now }), row.seq);
}

/**
 * Deletes a skill from every table: row, versions, sources, vector, FTS tokens (secure-delete), and
 * the idempotency answers that quote it (replaced by a marker, as for a deleted memory). Text is
 * overwritten before each delete so it does not stay in free pages.
 */
export function eraseSkill(sql: SqlStorage, row: SkillRow): void {
  scrubColumns(sql, "skill_versions", ["snapshot"], "skill_id = ?", row.id);
  sql.exec("DELETE FROM skill_versions WHERE skill_id = ?", row.id);
  sql.exec("DELETE FROM skill_sources WHERE skill_id = ?", row.id);
  sql.exec("DELETE FROM skill_vectors WHERE skill_id = ?", row.id);
  sql.exec("UPDATE skill_fts SET text = printf('%*s', length(CAST(text AS BLOB)), '') WHERE rowid = ?", row.seq);
  sql.exec("DELETE FROM skill_fts WHERE rowid = ?", row.seq);
  scrubColumns(sql, "skills", ["draft", "name"], "seq = ?", row.seq);
  sql.exec("DELETE FROM skills WHERE seq = ?", row.seq);
  const quoted = sql.exec<{ key: string }>("SELECT key FROM idempotency WHERE instr(response, ?) > 0", row.id).toArray();
  for (const { key } of quoted) {
    scrubColumns(sql, "idempotency", ["response"], "key = ?", key);
    sql.exec("UPDATE idempotency SET response = ? WHERE key = ?", JSON.stringify({ $forgotten: [row.id] }), key);
  }
}

function filterSql(f: SkillFilter): { where: string; args: SqlStorageValue[] } {
  const parts: string[] = ["1 = 1"];
  const args: SqlStorageValue[] = [];
  if (f.user_id !== undefined) (parts.push("user_id = ?"), args.push(f.user_id));
  if (f.agent_id !== undefined) (parts.push("agent_id = ?"), args.push(f.agent_id));
  if (f.state !== undefined) (parts.push("state = ?"), args.push(f.state));
  if (f.origin !== undefined) (parts.push("origin = ?"), args.push(f.origin));
  if (f.visible_agents !== undefined) (parts.push("(agent_id IS NULL OR agent_id IN (SELECT value FROM json_each(?)))"), args.push(JSON.stringify(f.visible_agents)));
  return { where: parts.join(" AND "), args };
}

/** Whether a skill row passes a filter (for reads by id and search). */
export function matchesFilter(row: SkillRow, f: SkillFilter): boolean {
  if (f.user_id !== undefined && row.user_id !== f.user_id) return false;
  if (f.agent_id !== undefined && row.agent_id !== f.agent_id) return false;
  if (f.state !== undefined && row.state !== f.state) return false;
  if (f.origin !== undefined && row.origin !== f.origin) return false;
  if (f.visible_agents !== undefined && row.agent_id !== null && !f.visible_agents.includes(row.agent_id)) return false;
  return true;
}

/** A page of skills, newest first. */
export function listSkillRows(sql: SqlStorage, f: SkillFilter, limit: number, afterSeq: number | null, beforeId: string | null = null): { rows: SkillRow[]; next_seq: number | null } {
  const { where, args } = filterSql(f);
  const rows =
    beforeId === null
      ? sql.exec<SkillRow>(`SELECT ${COLUMNS} FROM skills WHERE ${where} AND seq < ? ORDER BY seq DESC LIMIT ?`, ...args, afterSeq ?? Number.MAX_SAFE_INTEGER, limit + 1).toArray()
      : sql.exec<SkillRow>(`SELECT ${COLUMNS} FROM skills WHERE ${where} AND id < ? ORDER BY id DESC LIMIT ?`, ...args, beforeId, limit + 1).toArray();
  const page = rows.slice(0, limit);
  return { rows: page, next_seq: rows.length > limit ? (page[page.length - 1]?.seq ?? null) : null };
}

export function skillVersions(sql: SqlStorage, id: string): Array<{ version: number; reason: string; source: string | null; at: number; skill: Skill }> {
  return sql
    .exec<{ version: number; reason: string; source: string | null; at: number; snapshot: string }>("SELECT version, reason, source, at, snapshot FROM skill_versions WHERE skill_id = ? ORDER BY version", id)
    .toArray()
    .map((v) => ({ version: v.version, reason: v.reason, source: v.source, at: v.at, skill: JSON.parse(v.snapshot) as Skill }));
}

/** The stored vectors of skills for one embedder (skill id → vector). */
export function skillVectors(sql: SqlStorage, embedder: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const r of sql.exec<{ skill_id: string; data: ArrayBuffer }>("SELECT skill_id, data FROM skill_vectors WHERE embedder = ?", embedder)) out.set(r.skill_id, new Float32Array(r.data));
  return out;
}

/** What the skill tables hold for one id (tests and deletion checks): rows per table. */
export function skillFootprint(sql: SqlStorage, id: string): Record<string, number> {
  const n = (q: string, ...a: SqlStorageValue[]) => sql.exec<{ n: number }>(q, ...a).one().n;
  const seq = sql.exec<{ seq: number }>("SELECT seq FROM skills WHERE id = ?", id).toArray()[0]?.seq ?? -1;
  return {
    skills: n("SELECT COUNT(*) AS n FROM skills WHERE id = ?", id),
    skill_versions: n("SELECT COUNT(*) AS n FROM skill_versions WHERE skill_id = ?", id),
    skill_sources: n("SELECT COUNT(*) AS n FROM skill_sources WHERE skill_id = ?", id),
    skill_vectors: n("SELECT COUNT(*) AS n FROM skill_vectors WHERE skill_id = ?", id),
    skill_fts: n("SELECT COUNT(*) AS n FROM skill_fts WHERE rowid = ?", seq),
    idempotency: n("SELECT COUNT(*) AS n FROM idempotency WHERE instr(response, ?) > 0 AND instr(response, '$forgotten') = 0", id),
  };
}

/**
 * Erases the skills of a deleted scope (a user, an agent, or the whole cube when both are
 * absent) from every table, as `eraseSkill` does; answers their ids.
 */
export function eraseScopeSkills(sql: SqlStorage, scope: { user_id?: string | undefined; agent_id?: string | undefined }): string[] {
  const rows = listSkillRows(sql, { ...(scope.user_id !== undefined ? { user_id: scope.user_id } : {}), ...(scope.agent_id !== undefined ? { agent_id: scope.agent_id } : {}) }, Number.MAX_SAFE_INTEGER - 1, null).rows;
  for (const row of rows) eraseSkill(sql, row);
  return rows.map((r) => r.id);
}

/** Names of the skills still stored among `ids` (for the outbox's skill.created events). */
export function skillNames(sql: SqlStorage, ids: readonly string[]): Array<{ id: string; name: string; created_at: number }> {
  const out: Array<{ id: string; name: string; created_at: number }> = [];
  for (const id of ids) {
    const r = sql.exec<{ id: string; name: string; created_at: number }>("SELECT id, name, created_at FROM skills WHERE id = ?", id).toArray()[0];
    if (r) out.push(r);
  }
  return out;
}
