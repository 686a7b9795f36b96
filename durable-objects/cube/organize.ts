// Organization inside the cube: the three-stage dedup of candidates and the judge's decisions, applied as versions.
import type { CandidateMemory, ChangeReason, Memory } from "../../src/memory/types";
import { LIMITS, type NewMemory } from "../../src/memory/cube-contract";
import { classifyCandidate, type DedupThresholds, type Neighbour } from "../../src/memory/dedup/classify";
import type { JudgeDecision } from "../../src/memory/dedup/judge";
import { decideByRules } from "../../src/memory/dedup/judge-rules";
import { MEMORY_COLUMNS, rowToMemory, type MemoryRow } from "./rows";
import { getRow, insertMemory, updateMemory, type StoreContext } from "./memory-store";
import { enqueueOutbox } from "./outbox/outbox";

/** Neighbours looked at per candidate: the nearest few are enough to catch a duplicate or conflict. */
const NEIGHBOURS = 8;

/** A decision reached outside the cube (an LLM judge), valid only if its neighbours did not change since. */
export interface ExternalDecision {
  decision: JudgeDecision;
  /** Version of each neighbour the judge saw. */
  versions: Record<string, number>;
  /** For an UPDATE whose text differs from the candidate's: its hash and vector, computed in the Worker. */
  update?: { hash: string; vector: Float32Array | null };
}

export interface OrganizeReport {
  added: string[];
  merged: string[];
  updated: string[];
  superseded: string[];
  retracted: string[];
  repeats: number;
  noops: number;
  /** Each near-duplicate merge, so that a false merge can be audited (first 500 of a batch). */
  merges: Array<{ target_id: string; similarity: number; candidate: string; target: string; candidate_sources: string[]; target_sources: string[] }>;
  /** Decisions of the judge, in candidate order, for the job record. */
  judged: Array<{ index: number; action: JudgeDecision["action"]; target_id: string | null; by: "rules" | "external"; reason: string }>;
}

export function emptyReport(): OrganizeReport {
  return { added: [], merged: [], updated: [], superseded: [], retracted: [], repeats: 0, noops: 0, merges: [], judged: [] };
}

const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];
/** A merged memory keeps the entity limit a new one has: the first names win. */
const unionEntities = (a: readonly string[], b: readonly string[]) => union(a, b).slice(0, LIMITS.entities);

function toCandidate(item: NewMemory): CandidateMemory {
  return { text: item.text, type: item.type, entities: item.entities, importance: item.importance, event_time: item.event_time, source_message_ids: item.source_message_ids, tags: item.tags };
}

/** Current, active, unexpired rows: a candidate is never merged into a memory that is gone. */
function liveRows(ctx: StoreContext, where: string, ...args: SqlStorageValue[]): MemoryRow[] {
  return ctx.sql
    .exec<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories WHERE state = 'active' AND valid_to IS NULL AND (expires_at IS NULL OR expires_at > ?) AND ${where}`, Date.now(), ...args)
    .toArray();
}

/** Exact-hash matches and nearest vectors among the live memories of the candidate's scope. */
export function findNeighbours(ctx: StoreContext, item: NewMemory, embedder: string): Neighbour[] {
  const out = new Map<number, Neighbour>();
  const scope = (r: MemoryRow) => r.user_id === item.user_id && (item.agent_id === null || r.agent_id === item.agent_id);
  for (const r of liveRows(ctx, "hash = ?", item.hash)) if (scope(r)) out.set(r.seq, { memory: rowToMemory(r, ctx.identity), similarity: 1 });
  if (item.vector) {
    // Over-fetch and filter in one query: cheaper than a lookup per hit, and the nearest few suffice.
    const hits = ctx.vectors.search(embedder, item.vector, NEIGHBOURS, () => true).filter((h) => !out.has(h.seq));
    if (hits.length) {
      const score = new Map(hits.map((h) => [h.seq, h.score]));
      const rows = liveRows(ctx, `seq IN (${hits.map(() => "?").join(",")})`, ...hits.map((h) => h.seq));
      for (const r of rows) {
        if (!scope(r)) continue;
        out.set(r.seq, { memory: rowToMemory(r, ctx.identity), similarity: score.get(r.seq) ?? 0 });
      }
    }
  }
  return [...out.values()].sort((a, b) => (b.similarity ?? 0) - (a.similarity ?? 0)).slice(0, NEIGHBOURS + 1);
}

function noteSeen(ctx: StoreContext, row: MemoryRow, item: NewMemory, now: number): void {
  const sources = union(JSON.parse(row.source_message_ids) as string[], item.source_message_ids);
  ctx.sql.exec("UPDATE memories SET seen_count = seen_count + 1, last_seen_at = ?, source_message_ids = ? WHERE seq = ?", now, JSON.stringify(sources), row.seq);
  enqueueOutbox(ctx.sql, row.id, "upsert", now);
}

function closeValidity(ctx: StoreContext, targetId: string, reason: ChangeReason, at: number, source: string, embedder: string, now: number): boolean {
  const row = getRow(ctx.sql, targetId);
  if (!row || row.state !== "active" || row.valid_to !== null) return false;
  updateMemory(ctx, row, { valid_to: Math.max(at, row.valid_from) }, embedder, reason, source, now);
  return true;
}

export interface OrganizeInput {
  items: readonly NewMemory[];
  embedder: string;
  source: string; // job id or "feedback:<id>"
  now: number;
  thresholds?: Partial<DedupThresholds>;
  /** Decisions reached outside, by candidate index; used only while their neighbours are unchanged. */
  external?: ReadonlyMap<number, ExternalDecision>;
  /** Reason written on memories created here. */
  createReason?: ChangeReason;
  /** Reason written on every version this input causes (feedback marks its changes as such). */
  reasonOverride?: ChangeReason;
}

/**
 * Applies candidates one by one, in order, so that a candidate also dedups against earlier ones
 * of the same batch. Must run inside one storage transaction.
 */
export function organize(ctx: StoreContext, input: OrganizeInput, report: OrganizeReport = emptyReport()): OrganizeReport {
  const { embedder, source, now } = input;
  input.items.forEach((item, index) => {
    const neighbours = findNeighbours(ctx, item, embedder);
    const candidate = toCandidate(item);
    const verdict = classifyCandidate({ candidate, hash: item.hash, ...(item.vector ? { vector: item.vector } : {}), scope: item, neighbours, ...(input.thresholds ? { thresholds: input.thresholds } : {}) });
    if (verdict.stage === "add") {
      report.added.push(insertMemory(ctx, item, embedder, input.createReason ?? "extract", source, now).id);
      return;
    }
    if (verdict.stage === "repeat") {
      const row = getRow(ctx.sql, verdict.target.id) as MemoryRow;
      noteSeen(ctx, row, item, now);
      report.repeats++;
      return;
    }
    if (verdict.stage === "merge") {
      const row = getRow(ctx.sql, verdict.target.id) as MemoryRow;
      const target = rowToMemory(row, ctx.identity);
      const eventTime = item.event_time === null ? target.event_time : Math.max(item.event_time, target.event_time ?? item.event_time);
      updateMemory(ctx, row, { source_message_ids: union(target.source_message_ids, item.source_message_ids), event_time: eventTime, entities: unionEntities(target.entities, item.entities) }, embedder, "merge", source, now);
      ctx.sql.exec("UPDATE memories SET seen_count = seen_count + 1, last_seen_at = ? WHERE seq = ?", now, row.seq);
      report.merged.push(target.id);
      if (report.merges.length < 500) {
        report.merges.push({ target_id: target.id, similarity: verdict.similarity, candidate: item.text, target: target.text, candidate_sources: item.source_message_ids, target_sources: target.source_message_ids });
      }
      return;
    }
    const seen: Memory[] = verdict.neighbours.map((n) => n.memory);
    const ext = input.external?.get(index);
    const fresh = ext && seen.every((m) => ext.versions[m.id] === undefined || ext.versions[m.id] === m.version);
    const decision = fresh && ext ? ext.decision : decideByRules(candidate, seen);
    report.judged.push({ index, action: decision.action, target_id: decision.action === "ADD" ? null : decision.target_id, by: fresh ? "external" : "rules", reason: decision.reason });
    applyDecision(ctx, item, decision, fresh && ext ? ext.update : undefined, input, report);
  });
  return report;
}

export function applyDecision(ctx: StoreContext, item: NewMemory, decision: JudgeDecision, update: ExternalDecision["update"], input: OrganizeInput, report: OrganizeReport): void {
  const { embedder, source, now } = input;
  const why = (r: ChangeReason): ChangeReason => input.reasonOverride ?? r;
  const at = item.event_time ?? now;
  switch (decision.action) {
    case "ADD":
      report.added.push(insertMemory(ctx, item, embedder, input.createReason ?? "extract", source, now).id);
      return;
    case "NOOP": {
      const row = getRow(ctx.sql, decision.target_id);
      if (row) noteSeen(ctx, row, item, now);
      report.noops++;
      return;
    }
    case "UPDATE": {
      const row = getRow(ctx.sql, decision.target_id);
      if (!row || row.state === "deleted") return;
      const sameText = decision.text === item.text;
      const hash = sameText ? item.hash : update?.hash;
      const vector = sameText ? item.vector : update?.vector;
      if (!hash) {
        // A rewritten text whose hash and vector were not computed cannot be stored consistently: keep both facts instead.
        if (closeValidity(ctx, decision.target_id, why("supersede"), at, source, embedder, now)) report.superseded.push(decision.target_id);
        report.added.push(insertMemory(ctx, item, embedder, input.createReason ?? "extract", source, now).id);
        return;
      }
      const target = rowToMemory(row, ctx.identity);
      updateMemory(
        ctx,
        row,
        { text: decision.text, hash, ...(vector ? { vector } : {}), entities: unionEntities(target.entities, item.entities), source_message_ids: union(target.source_message_ids, item.source_message_ids), importance: Math.max(target.importance, item.importance) },
        embedder,
        why("update"),
        source,
        now,
      );
      report.updated.push(target.id);
      return;
    }
    case "SUPERSEDE":
      if (closeValidity(ctx, decision.target_id, why("supersede"), at, source, embedder, now)) report.superseded.push(decision.target_id);
      report.added.push(insertMemory(ctx, item, embedder, input.createReason ?? "extract", source, now).id);
      return;
    case "DELETE":
      if (closeValidity(ctx, decision.target_id, why("retract"), now, source, embedder, now)) report.retracted.push(decision.target_id);
      return;
  }
}

/** For each candidate the classifier sends to the judge: its neighbours as they are now. */
export function planJudgements(ctx: StoreContext, items: readonly NewMemory[], embedder: string): Array<{ index: number; neighbours: Memory[] }> {
  const out: Array<{ index: number; neighbours: Memory[] }> = [];
  items.forEach((item, index) => {
    const verdict = classifyCandidate({ candidate: toCandidate(item), hash: item.hash, ...(item.vector ? { vector: item.vector } : {}), scope: item, neighbours: findNeighbours(ctx, item, embedder) });
    if (verdict.stage === "judge") out.push({ index, neighbours: verdict.neighbours.map((n) => n.memory) });
  });
  return out;
}
