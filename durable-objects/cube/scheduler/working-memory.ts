// Working memory in the cube: a session's turns and the memories extracted from them, and the
// compaction task that turns an idle session's rolling summary into one long-term memory.
import type { RawMessage } from "../../../src/memory/types";
import { buildWorkingMemory, firstSentence, type WorkingMemory } from "../../../src/memory/working-memory";
import { getRow, insertMemory, updateMemory, type StoreContext } from "../memory-store";
import { MESSAGE_COLUMNS, rowToMessage, type MessageRow } from "../jobs/job-store";

/** Turns read for one working memory, newest first; older ones are not looked at. */
export const MAX_SESSION_TURNS = 500;
/** A session with no new turn for this long is compacted. */
export const SESSION_IDLE_MS = 30 * 60_000;
/** Sessions compacted per run; the rest on the next. */
export const COMPACT_BATCH = 5;
/** Token bound of the stored summary of a compacted session. */
const COMPACT_SUMMARY_TOKENS = 600;
export { SESSION_SUMMARY_TAG } from "../../../src/memory/working-memory";
import { SESSION_SUMMARY_TAG } from "../../../src/memory/working-memory";

export interface SessionFilter {
  session_id: string;
  user_id?: string | undefined;
  /** Only turns of no agent or of these agents (a key limited to agents). */
  visible_agents?: readonly string[] | undefined;
}

/** The session's stored turns (sealed as stored), oldest first, at most MAX_SESSION_TURNS of the newest. */
export function sessionMessages(sql: SqlStorage, f: SessionFilter): RawMessage[] {
  const where = ["session_id = ?"];
  const args: SqlStorageValue[] = [f.session_id];
  if (f.user_id !== undefined) {
    where.push("user_id = ?");
    args.push(f.user_id);
  }
  if (f.visible_agents) {
    where.push(`(agent_id IS NULL OR agent_id IN (${f.visible_agents.map(() => "?").join(", ")}))`);
    args.push(...f.visible_agents);
  }
  return sql
    .exec<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE ${where.join(" AND ")} ORDER BY timestamp DESC, seq DESC LIMIT ?`, ...args, MAX_SESSION_TURNS)
    .toArray()
    .reverse()
    .map(rowToMessage);
}

/** The live memories extracted from each turn of the session (turn id → texts), its own summary left out. */
export function sessionFacts(sql: SqlStorage, sessionId: string): Map<string, string[]> {
  const facts = new Map<string, string[]>();
  const rows = sql
    .exec<{ text: string; source_message_ids: string; tags: string }>("SELECT text, source_message_ids, tags FROM memories WHERE session_id = ? AND state = 'active' AND valid_to IS NULL", sessionId)
    .toArray();
  for (const r of rows) {
    if ((JSON.parse(r.tags) as string[]).includes(SESSION_SUMMARY_TAG)) continue;
    for (const id of JSON.parse(r.source_message_ids) as string[]) facts.set(id, [...(facts.get(id) ?? []), r.text]);
  }
  return facts;
}

/** Turns of the session whose extracted memories were deleted (memory-store.ts marks them). */
function forgottenTurns(sql: SqlStorage, sessionId: string): Set<string> {
  return new Set(sql.exec<{ message_id: string }>("SELECT message_id FROM forgotten_turns WHERE session_id = ?", sessionId).toArray().map((r) => r.message_id));
}

export function workingMemoryOf(sql: SqlStorage, f: SessionFilter, opened: readonly RawMessage[], budget: number): WorkingMemory {
  const facts = sessionFacts(sql, f.session_id);
  const forgotten = forgottenTurns(sql, f.session_id);
  return buildWorkingMemory(f.session_id, opened, budget, (id) => facts.get(id) ?? [], (id) => forgotten.has(id));
}

interface IdleSession extends Record<string, SqlStorageValue> {
  session_id: string;
  last_at: number;
}

/** Sessions whose last turn is older than the idle time and that were not compacted since. */
export function idleSessions(sql: SqlStorage, now: number, limit = COMPACT_BATCH): IdleSession[] {
  return sql
    .exec<IdleSession>(
      `SELECT m.session_id AS session_id, MAX(m.created_at) AS last_at FROM messages m
       LEFT JOIN working_memory w ON w.session_id = m.session_id
       WHERE m.session_id IS NOT NULL GROUP BY m.session_id
       HAVING MAX(m.created_at) <= ? AND (MAX(w.compacted_at) IS NULL OR MAX(w.summarized_through) < MAX(m.created_at))
       ORDER BY last_at LIMIT ?`,
      now - SESSION_IDLE_MS,
      limit,
    )
    .toArray();
}

/** When the next session becomes idle (its last turn plus the idle time); null: no session waits. */
export function nextIdleAt(sql: SqlStorage): number | null {
  const row = sql
    .exec<{ at: number | null }>(
      `SELECT MIN(last_at) AS at FROM (SELECT m.session_id, MAX(m.created_at) AS last_at FROM messages m
       LEFT JOIN working_memory w ON w.session_id = m.session_id
       WHERE m.session_id IS NOT NULL GROUP BY m.session_id
       HAVING MAX(w.compacted_at) IS NULL OR MAX(w.summarized_through) < MAX(m.created_at))`,
    )
    .one();
  return row.at === null ? null : row.at + SESSION_IDLE_MS;
}

export interface SessionSummary {
  session: IdleSession;
  first: RawMessage | null;
  turns: number;
  lines: string[];
  /** The memory text; null when the session has nothing to summarize. */
  text: string | null;
  last_turn_at: number;
}

/** The whole rolling summary of an idle session: every turn's extracted memories, or its first sentence. */
export function summarizeSession(sql: SqlStorage, session: IdleSession, messages: readonly RawMessage[]): SessionSummary {
  const wm = workingMemoryOf(sql, { session_id: session.session_id }, messages, COMPACT_SUMMARY_TOKENS * 4);
  const forgotten = forgottenTurns(sql, session.session_id);
  const lines = [...wm.summary, ...wm.turns.filter((t) => !forgotten.has(t.id)).map((t) => `${t.name ?? t.role}: ${firstSentence(t.content)}`)];
  const first = messages[0] ?? null;
  return {
    session,
    first,
    turns: messages.length,
    lines,
    text: lines.length && first ? `Session ${session.session_id}: ${lines.join("; ")}`.slice(0, 4_000) : null,
    last_turn_at: wm.last_turn_at ?? session.last_at,
  };
}

/** The session-summary memory a previous compaction of this session wrote, if it is still there. */
function priorSummary(sql: SqlStorage, sessionId: string): string | null {
  const row = sql
    .exec<{ id: string }>("SELECT id FROM memories WHERE session_id = ? AND state != 'deleted' AND EXISTS (SELECT 1 FROM json_each(tags) WHERE value = ?) ORDER BY seq DESC LIMIT 1", sessionId, SESSION_SUMMARY_TAG)
    .toArray()[0];
  return row?.id ?? null;
}

/**
 * Compaction of one idle session: its summary becomes one `event` memory tagged session-summary
 * (a new version of the one a previous compaction wrote, when the session went on), sent to the
 * derived stores by the outbox; the session is marked compacted through its last turn. Inside the
 * caller's transaction. Answers the memory's id (null: nothing to summarize).
 */
export function storeCompaction(ctx: StoreContext, s: SessionSummary, hash: string, now: number): string | null {
  let id: string | null = null;
  if (s.text !== null && s.first) {
    const prior = priorSummary(ctx.sql, s.session.session_id);
    const row = prior ? getRow(ctx.sql, prior) : undefined;
    if (row) {
      id = row.text === s.text ? row.id : updateMemory(ctx, row, { text: s.text, hash, metadata: { compacted_turns: s.turns } }, "compaction", "update", "compaction", now).id;
    } else {
      id = insertMemory(
        ctx,
        {
          user_id: s.first.user_id,
          agent_id: s.first.agent_id,
          session_id: s.session.session_id,
          text: s.text,
          type: "event",
          tags: [SESSION_SUMMARY_TAG],
          entities: [],
          metadata: { compacted_turns: s.turns },
          importance: 0.4,
          event_time: s.first.timestamp,
          valid_from: s.first.timestamp,
          source_message_ids: [],
          hash,
          vector: null,
        },
        "compaction",
        "create",
        "compaction",
        now,
      ).id;
    }
  }
  ctx.sql.exec(
    `INSERT INTO working_memory (session_id, user_id, agent_id, summary, summarized_through, last_turn_at, compacted_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(session_id) DO UPDATE SET summary = excluded.summary, summarized_through = excluded.summarized_through, last_turn_at = excluded.last_turn_at, compacted_at = excluded.compacted_at`,
    s.session.session_id,
    s.first?.user_id ?? null,
    s.first?.agent_id ?? null,
    // The text lives in the memory (deleted with it), not here.
    "",
    s.session.last_at,
    s.last_turn_at,
    now,
  );
  return id;
}
