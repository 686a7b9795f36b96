// The consolidation task ("dreaming"): while the cube is idle, related memories merged, stale ones closed, every change a version.
import { mergeTexts, meanVector, planMerges, planStale, type ConsolidationItem, type MergeGroup } from "../../../src/memory/consolidate/plan";
import { LIMITS } from "../../../src/memory/cube-contract";
import type { TaskOutcome } from "../../../src/memory/scheduler/plan";
import { contentHash } from "../../../src/memory/text";
import { getRow, insertMemory, updateMemory, type StoreContext } from "../memory-store";
import { MEMORY_COLUMNS, rowToMemory, type MemoryRow } from "../rows";
import { recordDecision } from "../scheduler/store";
import { appendAudit } from "../audit";
import type { LLM } from "../../../src/providers/llm";
import { acceptMerged, mergeRequest } from "../../../src/memory/consolidate/llm";
import { memoriesMark, readConsolidationConfig, readMark, writeMark } from "./store";

/** Most memories one run reads (the newest live ones). */
const READ_LIMIT = 5_000;
/** Most groups merged in one run; the rest in the next run, at once. */
const GROUPS_PER_RUN = 50;
/** Wall time one run spends on planning before it leaves the rest for the next wake-up. */
const RUN_BUDGET_MS = 150;
/** Groups whose text one run asks the LLM for (each a model call); the rest in the next run. */
const LLM_GROUPS_PER_RUN = 5;

export interface ConsolidationDeps {
  ctx: StoreContext;
  transaction<T>(fn: () => T): T;
  now: number;
  /** The configured LLM, which writes merged texts; null: the rules' combination. */
  llm?: LLM | null;
}

export interface ConsolidationResult extends TaskOutcome {
  /** Versions written (merged memories created and originals closed). */
  changed: number;
}

const note = (sql: SqlStorage, at: number, reason: string) => recordDecision(sql, { at, task: "consolidation", decision: "run", reason });

/** The live memories consolidation looks at, with the vectors of the embedder most of them use. */
function liveItems(sql: SqlStorage, now: number): Array<ConsolidationItem & { row: MemoryRow; embedder: string | null }> {
  const rows = sql
    .exec<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories m WHERE state = 'active' AND valid_to IS NULL AND (expires_at IS NULL OR expires_at > ?) ORDER BY seq DESC LIMIT ?`, now, READ_LIMIT)
    .toArray();
  const vecs = new Map<number, { embedder: string; data: ArrayBuffer }>();
  if (rows.length) {
    for (const v of sql.exec<{ seq: number; embedder: string; data: ArrayBuffer | null }>("SELECT seq, embedder, data FROM vectors WHERE seq IN (SELECT value FROM json_each(?))", JSON.stringify(rows.map((r) => r.seq)))) {
      if (v.data && v.data.byteLength > 0) vecs.set(v.seq, { embedder: v.embedder, data: v.data });
    }
  }
  const counts = new Map<string, number>();
  for (const v of vecs.values()) counts.set(v.embedder, (counts.get(v.embedder) ?? 0) + 1);
  const main = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? null;
  return rows.map((row) => {
    const v = vecs.get(row.seq);
    const m = rowToMemory(row, { tenant_id: "", cube_id: "" });
    return {
      id: m.id,
      seq: row.seq,
      user_id: m.user_id,
      agent_id: m.agent_id,
      type: m.type,
      text: m.text,
      entities: m.entities,
      event_time: m.event_time,
      last_seen_at: m.last_seen_at,
      last_access_at: row.last_access_at,
      vector: v && v.embedder === main ? new Float32Array(v.data) : undefined,
      row,
      embedder: v && v.embedder === main ? main : null,
    };
  });
}

/** Originals still open although an active consolidated memory replaced them (a merge cut short, a restore): closed again. */
function openSources(sql: SqlStorage): Array<{ id: string; by: string }> {
  return sql
    .exec<{ id: string; by: string }>(
      `WITH c AS MATERIALIZED (SELECT id, metadata FROM memories WHERE state = 'active' AND valid_to IS NULL AND json_valid(metadata) AND json_type(metadata, '$.consolidated_from') = 'array')
       SELECT o.id AS id, c.id AS by FROM c, json_each(c.metadata, '$.consolidated_from') j JOIN memories o ON o.id = j.value
       WHERE o.state = 'active' AND o.valid_to IS NULL AND o.id <> c.id`,
    )
    .toArray();
}

const union = (lists: ReadonlyArray<readonly string[]>) => [...new Set(lists.flat())];

/**
 * One run. Not idle yet (a write less than `idle_ms` ago): comes back when it will be. Nothing
 * changed since the last run: nothing to do. Else merges, closes, and marks what it saw.
 */
export async function runConsolidation(deps: ConsolidationDeps): Promise<ConsolidationResult> {
  const { ctx, now } = deps;
  const { sql } = ctx;
  const started = Date.now();
  const config = readConsolidationConfig(sql);
  if (!config.enabled) return { next_at: null, changed: 0 };
  const seen = memoriesMark(sql);
  if (seen.last_write_at === null || readMark(sql) === seen.mark) return { next_at: null, changed: 0 };
  if (now - seen.last_write_at < config.idle_ms) return { next_at: seen.last_write_at + config.idle_ms, changed: 0 };

  const items = liveItems(sql, now);
  const groups = planMerges(items, config).slice(0, GROUPS_PER_RUN);
  const stale = planStale(items, config, now);
  // The merged texts and their hashes, before the one transaction that writes.
  const merges: Array<{ group: MergeGroup; text: string; hash: string; by: string }> = [];
  let asked = 0;
  let skipped = 0;
  for (const group of groups) {
    const texts = group.members.map((m) => m.text);
    let text = mergeTexts(texts);
    let by = "rules";
    if (deps.llm) {
      if (asked === LLM_GROUPS_PER_RUN) break;
      asked++;
      // The texts are stored desensitized: the model sees placeholders, never the values.
      const written = await deps.llm.complete(mergeRequest(texts)).then((r) => acceptMerged(r.text, texts), () => null);
      if (written) {
        text = written;
        by = deps.llm.id;
      }
    }
    if (text.length > LIMITS.textChars) {
      note(sql, now, `left ${group.members.length} related memories unmerged: the merged text would pass ${LIMITS.textChars} characters`);
      skipped++;
      continue;
    }
    merges.push({ group, text, hash: await contentHash(text), by });
    if (Date.now() - started > RUN_BUDGET_MS) break;
  }
  const more = merges.length + skipped < groups.length || groups.length === GROUPS_PER_RUN || merges.some((m) => m.group.truncated);
  const byId = new Map(items.map((i) => [i.id, i]));
  const at = Date.now();
  const changed = deps.transaction(() => {
    let n = 0;
    const touched: string[] = [];
    for (const { group, text, hash, by } of merges) {
      const members = group.members.map((m) => byId.get(m.id)).filter((m): m is NonNullable<typeof m> => m !== undefined);
      // Each original must be as planned: a write since (none can come in between, but be sure) skips the group.
      const rows = members.map((m) => getRow(sql, m.id));
      if (rows.some((r, i) => !r || r.state !== "active" || r.valid_to !== null || r.version !== members[i]?.row.version)) continue;
      const mems = members.map((m) => rowToMemory(m.row, ctx.identity));
      const first = mems[0];
      if (!first) continue;
      const embedder = members.every((m) => m.embedder !== null) ? (members[0]?.embedder ?? null) : null;
      const vector = embedder ? meanVector(members.map((m) => m.vector)) : undefined;
      const merged = insertMemory(
        ctx,
        {
          user_id: first.user_id,
          agent_id: first.agent_id,
          session_id: null,
          text,
          type: first.type,
          tags: union(mems.map((m) => m.tags)).slice(0, LIMITS.tags),
          entities: union(mems.map((m) => m.entities)).slice(0, LIMITS.entities),
          metadata: { consolidated_from: mems.map((m) => m.id), consolidated_by: by },
          importance: Math.max(...mems.map((m) => m.importance)),
          event_time: null,
          valid_from: Math.min(...mems.map((m) => m.valid_from)),
          source_message_ids: union(mems.map((m) => m.source_message_ids)).slice(0, 1_000),
          hash,
          vector: vector ?? null,
        },
        embedder ?? "",
        "consolidate",
        null,
        at,
      );
      for (const r of rows) if (r) updateMemory(ctx, r, { valid_to: at }, embedder ?? "", "consolidate", merged.id, at);
      n += 1 + rows.length;
      touched.push(merged.id, ...members.map((m) => m.id));
      note(sql, at, `merged ${rows.length} memories of ${first.user_id ?? "no user"} (${first.type}, entity "${group.entity}", similarity ${group.similarity}) into ${merged.id}, text by ${by}`);
    }
    for (const s of stale) {
      const r = getRow(sql, s.id);
      if (!r || r.state !== "active" || r.valid_to !== null) continue;
      updateMemory(ctx, r, { valid_to: at }, "", "consolidate", null, at);
      n++;
      touched.push(s.id);
      note(sql, at, `closed stale ${s.type} ${s.id}: its time passed over ${Math.round(config.stale_after_ms / 86_400_000)} days ago and nobody read it since`);
    }
    for (const o of openSources(sql)) {
      const r = getRow(sql, o.id);
      if (!r) continue;
      updateMemory(ctx, r, { valid_to: at }, "", "consolidate", o.by, at);
      n++;
      touched.push(o.id);
      note(sql, at, `closed ${o.id}: ${o.by} consolidated it but it was still open`);
    }
    // System work, in the cube's chain: the alarm acts on the cube's behalf (targets are ids, never content).
    for (let i = 0; i < touched.length; i += 500) appendAudit(sql, ctx.identity, null, { action: "memory.consolidate", target_ids: touched.slice(i, i + 500) }, at);
    // A run cut short leaves the mark as it was: the next run looks again.
    if (!more) writeMark(sql, memoriesMark(sql).mark);
    return n;
  });
  return { next_at: more ? Date.now() : null, changed, ...(changed > 0 ? { note: `consolidated: ${changed} versions written` } : {}) };
}
