// Raw messages and extraction jobs of a cube: stored durably before any derived memory.
import type { RawMessage } from "../../../src/memory/types";
import type { AddMessagesRequest, ExtractionMode, JobOptions, JobRecord, JobState } from "../../../src/memory/cube-contract";
import { newId } from "../../../src/lib/ids";
import { sha256Hex } from "../../../src/governance/crypto";
import { scrubColumns } from "../scrub";

interface JobRow extends Record<string, SqlStorageValue> {
  id: string;
  kind: string;
  mode: string;
  state: string;
  attempts: number;
  error: string | null;
  result: string | null;
  options: string;
  created_at: number;
  updated_at: number;
}

/** A stored message row as the readers of raw messages select it (`MESSAGE_COLUMNS`); content still sealed. */
export interface MessageRow extends Record<string, SqlStorageValue> {
  id: string;
  role: string;
  name: string | null;
  content: string;
  timestamp: number;
  user_id: string | null;
  agent_id: string | null;
  session_id: string | null;
}

/** What a message's replay key is made of: who said what, where. */
export function replayInput(m: AddMessagesRequest["messages"][number]): string {
  return [m.role, m.name ?? "", m.user_id ?? "", m.agent_id ?? "", m.session_id ?? "", m.content].join("\u0000");
}

/**
 * Plain SHA-256 replay keys, as rows stored before encryption at rest hold them; new rows hold
 * keyed hashes (cube/encryption.ts), and both are looked up.
 */
export async function hashMessages(req: AddMessagesRequest): Promise<string[]> {
  return Promise.all(req.messages.map((m) => sha256Hex(replayInput(m))));
}

/** A message seen again this soon is a replay (an agent loop, a retrying client), whatever its timestamp. */
export const REPLAY_WINDOW_MS = 10 * 60_000;
/** Shorter messages ("yes", "thanks") legitimately repeat; only an identical timestamp marks them as replays. */
export const REPLAY_MIN_CHARS = 24;

/**
 * Which messages of a request were already stored: same speaker, scope and content, and either
 * the same timestamp (a retry) or, for messages of some length, seen within the replay window.
 * Returns the index of each replayed message and the job that first stored it. `legacy` holds the
 * plain hashes that rows stored before encryption at rest carry, matched as well.
 */
export function findReplays(sql: SqlStorage, req: AddMessagesRequest, hashes: string[], now: number, legacy: readonly string[] = []): Map<number, string | null> {
  const out = new Map<number, string | null>();
  req.messages.forEach((m, i) => {
    // A message whose job failed for good is not a replay: sent again, it runs again.
    const prior = sql
      .exec<{ job_id: string | null }>(
        `SELECT m.job_id FROM messages m LEFT JOIN jobs j ON j.id = m.job_id
         WHERE m.content_hash IN (?, ?) AND (m.timestamp = ? OR (m.created_at > ? AND ?)) AND COALESCE(j.state, '') != 'failed'
         ORDER BY m.seq DESC LIMIT 1`,
        hashes[i] as string,
        legacy[i] ?? (hashes[i] as string),
        m.timestamp,
        now - REPLAY_WINDOW_MS,
        m.content.length >= REPLAY_MIN_CHARS ? 1 : 0,
      )
      .toArray()[0];
    if (prior) out.set(i, prior.job_id);
  });
  return out;
}

/**
 * Copies of the request's messages that a failed job stored: the new job takes their place, so
 * that sending a failed job's messages again keeps one copy of each, not two.
 */
export function dropFailedCopies(sql: SqlStorage, hashes: readonly string[]): void {
  // The usual case, no failed job in the cube, costs one query, not two per message.
  if (sql.exec("SELECT 1 FROM jobs WHERE state = 'failed' LIMIT 1").toArray().length === 0) return;
  for (const hash of new Set(hashes)) {
    const where = "content_hash = ? AND job_id IN (SELECT id FROM jobs WHERE state = 'failed')";
    scrubColumns(sql, "messages", ["content", "name"], where, hash);
    sql.exec(`DELETE FROM messages WHERE ${where}`, hash);
  }
}

/** Stores the messages not listed in `skip` and a job over them. */
export function insertJobWithMessages(sql: SqlStorage, req: AddMessagesRequest, hashes: string[], now: number, skip: ReadonlyMap<number, unknown> = new Map()): JobRecord {
  const messageIds: string[] = [];
  req.messages.forEach((m, i) => {
    if (skip.has(i)) return;
    const id = newId("msg", now);
    messageIds.push(id);
    sql.exec(
      `INSERT INTO messages (id, job_id, role, name, content, content_hash, timestamp, user_id, agent_id, session_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id,
      req.job_id,
      m.role,
      m.name,
      m.content,
      hashes[i] as string,
      m.timestamp,
      m.user_id,
      m.agent_id,
      m.session_id,
      now,
    );
  });
  sql.exec(
    "INSERT INTO jobs (id, kind, mode, state, attempts, options, created_at, updated_at) VALUES (?, 'extract', ?, 'queued', 0, ?, ?, ?)",
    req.job_id,
    req.mode,
    JSON.stringify(req.options),
    now,
    now,
  );
  return getJob(sql, req.job_id) as JobRecord;
}

export function getJob(sql: SqlStorage, id: string): JobRecord | null {
  const row = sql.exec<JobRow>("SELECT * FROM jobs WHERE id = ?", id).toArray()[0];
  if (!row) return null;
  const ids = sql.exec<{ id: string }>("SELECT id FROM messages WHERE job_id = ? ORDER BY seq", id).toArray().map((r) => r.id);
  return {
    id: row.id,
    kind: "extract",
    mode: row.mode as ExtractionMode,
    state: row.state as JobState,
    attempts: row.attempts,
    error: row.error,
    result: row.result ? (JSON.parse(row.result) as JobRecord["result"]) : null,
    message_ids: ids,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export const MESSAGE_COLUMNS = "id, role, name, content, timestamp, user_id, agent_id, session_id";

/** A message row as the domain's RawMessage (content as stored: sealed until the cipher opens it). */
export function rowToMessage(r: MessageRow): RawMessage {
  return {
    id: r.id,
    role: r.role as RawMessage["role"],
    name: r.name,
    content: r.content,
    timestamp: r.timestamp,
    user_id: r.user_id,
    agent_id: r.agent_id,
    session_id: r.session_id,
  };
}

export function jobMessages(sql: SqlStorage, jobId: string): RawMessage[] {
  return sql.exec<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE job_id = ? ORDER BY seq`, jobId).toArray().map(rowToMessage);
}

export function jobOptions(sql: SqlStorage, jobId: string): JobOptions | null {
  const row = sql.exec<{ options: string }>("SELECT options FROM jobs WHERE id = ?", jobId).toArray()[0];
  return row ? (JSON.parse(row.options) as JobOptions) : null;
}

/**
 * Moves a job to `state`. A running job holds a lease until `lease_until`; any other state
 * drops it. The cube's alarm hands a job whose lease ran out to the queue again.
 */
export function setJobState(
  sql: SqlStorage,
  id: string,
  state: JobState,
  now: number,
  fields: { error?: string | null; result?: unknown; attempt?: boolean; lease_until?: number } = {},
): void {
  sql.exec(
    `UPDATE jobs SET state = ?, updated_at = ?, error = COALESCE(?, error), result = COALESCE(?, result), attempts = attempts + ?, lease_until = ? WHERE id = ?`,
    state,
    now,
    fields.error === undefined ? null : fields.error,
    fields.result === undefined ? null : JSON.stringify(fields.result),
    fields.attempt ? 1 : 0,
    state === "running" ? (fields.lease_until ?? null) : null,
    id,
  );
}

/** Drops the merge examples (they quote text) of the jobs whose report names a memory. */
export function forgetMergesOf(sql: SqlStorage, memoryId: string): void {
  sql.exec("UPDATE jobs SET result = json_remove(result, '$.detail.merges', '$.detail.errors') WHERE instr(result, ?) > 0", memoryId);
}

/** A scope as a scope delete names it: a user, an agent and a session, each optional; none means the whole cube. */
export interface MessageScope {
  user_id?: string | undefined;
  agent_id?: string | undefined;
  session_id?: string | undefined;
}

/**
 * Deletes the raw messages of a scope, so that forgetting a user or a session also forgets what
 * they said, not only what was extracted from it. Returns how many went.
 */
export function deleteScopeMessages(sql: SqlStorage, scope: MessageScope): number {
  const parts: string[] = [];
  const args: string[] = [];
  for (const key of ["user_id", "agent_id", "session_id"] as const) {
    const v = scope[key];
    if (v !== undefined) {
      parts.push(`${key} = ?`);
      args.push(v);
    }
  }
  const where = parts.length ? parts.join(" AND ") : "1 = 1";
  scrubColumns(sql, "messages", ["content", "name"], where, ...args);
  const deleted = sql.exec(`DELETE FROM messages WHERE ${where}`, ...args).rowsWritten;
  sql.exec("DELETE FROM forgotten_turns WHERE NOT EXISTS (SELECT 1 FROM messages WHERE messages.id = forgotten_turns.message_id)");
  forgetJobDetails(sql);
  return deleted;
}

/**
 * Forgets what jobs recorded about texts: the merge examples of every job's report (they quote
 * memory text), and the error and options of jobs whose messages are all gone. Counts and ids stay.
 */
export function forgetJobDetails(sql: SqlStorage): void {
  sql.exec("UPDATE jobs SET result = json_remove(result, '$.detail.merges', '$.detail.errors') WHERE result IS NOT NULL");
  const orphaned = "NOT EXISTS (SELECT 1 FROM messages WHERE messages.job_id = jobs.id)";
  scrubColumns(sql, "jobs", ["error", "options"], orphaned);
  sql.exec(`UPDATE jobs SET error = NULL, options = ? WHERE ${orphaned}`, JSON.stringify({ tags: [], metadata: {}, user_id: null, agent_id: null, session_id: null }));
}

/**
 * Whether a job's messages were deleted (its scope was forgotten) since it was queued. A consumer
 * that ran it meanwhile must not bring what they said back as memories. A job's messages share
 * one scope, so they go together.
 */
export function jobForgotten(sql: SqlStorage, jobId: string): boolean {
  return sql.exec("SELECT 1 FROM messages WHERE job_id = ? LIMIT 1", jobId).toArray().length === 0;
}
