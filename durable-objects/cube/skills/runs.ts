// Skill jobs in the cube: the run kept beside its extraction job, and the job's messages with their tool calls as the miner reads them.
import type { JobRecord } from "../../../src/memory/cube-contract";
import type { RawMessage } from "../../../src/memory/types";
import type { SkillMessage } from "../../../src/memory/skills/types";
import type { SkillRunReport } from "../../../src/memory/skills-contract";

interface RunRow extends Record<string, SqlStorageValue> {
  job_id: string;
  state: string;
  attempts: number;
  error: string | null;
  report: string | null;
}

type Counts = Pick<SkillRunReport, "created" | "upgraded" | "duplicates" | "skill_ids" | "detail">;
const EMPTY: Counts = { created: 0, upgraded: 0, duplicates: 0, skill_ids: [], detail: {} };

export function skillRun(sql: SqlStorage, jobId: string): SkillRunReport | null {
  const row = sql.exec<RunRow>("SELECT job_id, state, attempts, error, report FROM skill_runs WHERE job_id = ?", jobId).toArray()[0];
  if (!row) return null;
  const counts = row.report ? (JSON.parse(row.report) as Counts) : EMPTY;
  return { state: row.state as SkillRunReport["state"], attempts: row.attempts, error: row.error, ...counts };
}

/** Counts an attempt and marks the run running; a run that already succeeded is left as it is. */
export function startSkillRun(sql: SqlStorage, jobId: string, now: number): SkillRunReport {
  sql.exec(
    `INSERT INTO skill_runs (job_id, state, attempts, updated_at) VALUES (?, 'running', 1, ?)
     ON CONFLICT(job_id) DO UPDATE SET state = 'running', attempts = attempts + 1, updated_at = excluded.updated_at WHERE state != 'succeeded'`,
    jobId,
    now,
  );
  return skillRun(sql, jobId) as SkillRunReport;
}

export function finishSkillRun(sql: SqlStorage, jobId: string, counts: Counts, now: number): void {
  sql.exec("UPDATE skill_runs SET state = 'succeeded', error = NULL, report = ?, updated_at = ? WHERE job_id = ?", JSON.stringify(counts), now, jobId);
}

/** A failed attempt: queued again for the queue's retry, or failed for good (dead-lettered). */
export function failSkillRun(sql: SqlStorage, jobId: string, error: string, final: boolean, now: number): void {
  sql.exec(
    `INSERT INTO skill_runs (job_id, state, attempts, error, updated_at) VALUES (?, ?, 0, ?, ?)
     ON CONFLICT(job_id) DO UPDATE SET state = excluded.state, error = excluded.error, updated_at = excluded.updated_at WHERE state != 'succeeded'`,
    jobId,
    final ? "failed" : "queued",
    error.slice(0, 2_000),
    now,
  );
}

/** The job as `GET /v1/jobs/:id` answers it: its skill run, if one ran, under `result.detail.skills`. */
export function withSkillRun(sql: SqlStorage, job: JobRecord): JobRecord {
  const run = skillRun(sql, job.id);
  if (!run || !job.result) return job;
  return { ...job, result: { ...job.result, detail: { ...job.result.detail, skills: run } } };
}

interface ToolCallRow extends Record<string, SqlStorageValue> {
  id: string;
  tool_calls: string | null;
  tool_call_id: string | null;
}

/** The job's messages (opened) with the tool calls stored beside them (sealed: `open` opens them), as the miner reads them. */
export async function toSkillMessages(sql: SqlStorage, messages: readonly RawMessage[], open: (sealed: readonly string[]) => Promise<string[]>): Promise<SkillMessage[]> {
  const extra = new Map<string, ToolCallRow>();
  const ids = messages.map((m) => m.id);
  for (let i = 0; i < ids.length; i += 50) {
    const chunk = ids.slice(i, i + 50);
    for (const r of sql.exec<ToolCallRow>(`SELECT id, tool_calls, tool_call_id FROM messages WHERE id IN (${chunk.map(() => "?").join(",")})`, ...chunk)) extra.set(r.id, r);
  }
  const withCalls = [...extra.values()].filter((r) => r.tool_calls !== null);
  const opened = new Map((await open(withCalls.map((r) => r.tool_calls as string))).map((json, i) => [withCalls[i]?.id as string, json]));
  return messages.map((m) => {
    const e = extra.get(m.id);
    const json = opened.get(m.id);
    const calls = json ? (JSON.parse(json) as SkillMessage["tool_calls"]) : [];
    return { id: m.id, role: m.role, content: m.content, name: m.name, tool_calls: calls, tool_call_id: e?.tool_call_id ?? null, timestamp: m.timestamp };
  });
}

/** A stored message's tool calls as the request gave them (arguments already desensitized). */
export interface MessageToolCalls {
  role: string;
  timestamp: number;
  tool_calls: SkillMessage["tool_calls"];
  tool_call_id: string | null;
}

/** A message's tool calls as stored: their JSON sealed by `seal` (null when it made none). */
export interface SealedToolCalls {
  role: string;
  timestamp: number;
  sealed: string | null;
  tool_call_id: string | null;
}

/** Seals each message's tool calls, in one pass, before the write transaction. */
export async function sealToolCalls(messages: readonly MessageToolCalls[], seal: (json: readonly string[]) => Promise<string[]>): Promise<SealedToolCalls[]> {
  const calling = messages.filter((m) => m.tool_calls.length > 0);
  if (calling.length === 0) return messages.map((m) => ({ role: m.role, timestamp: m.timestamp, sealed: null, tool_call_id: m.tool_call_id }));
  const sealed = await seal(calling.map((m) => JSON.stringify(m.tool_calls)));
  let at = 0;
  return messages.map((m) => ({ role: m.role, timestamp: m.timestamp, sealed: m.tool_calls.length ? (sealed[at++] as string) : null, tool_call_id: m.tool_call_id }));
}

/**
 * Stores the tool calls of a job's new messages. The job's message rows are those of the request
 * that were not replays, in order: each request message is matched to the next row of its role
 * and timestamp.
 */
export function storeToolCalls(sql: SqlStorage, jobId: string, sent: readonly SealedToolCalls[]): void {
  if (!sent.some((m) => m.sealed !== null || m.tool_call_id !== null)) return;
  const rows = sql.exec<{ id: string; role: string; timestamp: number }>("SELECT id, role, timestamp FROM messages WHERE job_id = ? ORDER BY seq", jobId).toArray();
  let at = 0;
  for (const m of sent) {
    let j = at;
    while (j < rows.length && !(rows[j]?.role === m.role && rows[j]?.timestamp === m.timestamp)) j++;
    const row = rows[j];
    if (!row) continue;
    at = j + 1;
    if (m.sealed === null && m.tool_call_id === null) continue;
    sql.exec("UPDATE messages SET tool_calls = ?, tool_call_id = ? WHERE id = ?", m.sealed, m.tool_call_id, row.id);
  }
}

/** Each message's tool calls with their argument texts desensitized (one vault pass for all). */
export async function maskToolCalls(
  messages: ReadonlyArray<{ role: string; timestamp: number; tool_calls?: SkillMessage["tool_calls"] | undefined; tool_call_id?: string | null | undefined }>,
  mask: (texts: readonly string[]) => Promise<string[]>,
): Promise<MessageToolCalls[]> {
  const texts = messages.flatMap((m) => (m.tool_calls ?? []).map((c) => c.arguments));
  const masked = texts.length ? await mask(texts) : [];
  let at = 0;
  return messages.map((m) => ({
    role: m.role,
    timestamp: m.timestamp,
    tool_calls: (m.tool_calls ?? []).map((c) => ({ id: c.id, name: c.name, arguments: masked[at++] ?? c.arguments })),
    tool_call_id: m.tool_call_id ?? null,
  }));
}
