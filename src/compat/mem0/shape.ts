// Mem0's shapes over this service's: a memory as Mem0 answers it, Mem0 `filters` as a scope, history entries as Mem0 events.
import { z } from "zod";
import { ApiError } from "../../errors";
import type { Memory } from "../../memory/types";
import { scopeIdSchema } from "../../memory/cube-contract";

const iso = (ms: number) => new Date(ms).toISOString();

/** A memory as Mem0 answers it: run_id is the session, categories are the tags; app_id has no counterpart. */
export function toMem0(m: Memory) {
  return {
    id: m.id,
    memory: m.text,
    user_id: m.user_id,
    agent_id: m.agent_id,
    app_id: null,
    run_id: m.session_id,
    hash: m.hash,
    metadata: m.metadata,
    categories: m.tags,
    memory_type: m.type,
    created_at: iso(m.created_at),
    updated_at: iso(m.updated_at),
    expiration_date: null,
  };
}

/** The scope a Mem0 request names, in this service's words. */
export interface Mem0Scope {
  user_id?: string | undefined;
  agent_id?: string | undefined;
  session_id?: string | undefined;
  created_after?: string | undefined;
  created_before?: string | undefined;
}

const scopeKeys = { user_id: "user_id", agent_id: "agent_id", run_id: "session_id" } as const;

/** Entity ids as Mem0 sends them at the top level (add, delete all); app_id is refused. */
export function entityScope(q: { user_id?: unknown; agent_id?: unknown; run_id?: unknown; app_id?: unknown }): Mem0Scope {
  if (q.app_id !== undefined) throw new ApiError("invalid_request", "app_id is not supported here: use user_id, agent_id or run_id");
  const out: Mem0Scope = {};
  for (const [from, to] of Object.entries(scopeKeys)) {
    const v = q[from as keyof typeof scopeKeys];
    if (v === undefined || v === null) continue;
    const parsed = scopeIdSchema.safeParse(v);
    if (!parsed.success) throw new ApiError("invalid_request", `${from} is invalid`, parsed.error.issues.map((i) => ({ path: from, message: i.message })));
    out[to] = parsed.data;
  }
  return out;
}

const dateBound = z.strictObject({ gte: z.string().optional(), gt: z.string().optional(), lte: z.string().optional(), lt: z.string().optional() });

function timeOf(v: string, where: string): number {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new ApiError("invalid_request", `filters.${where} is not a date`);
  return t;
}

/** Adds one filter condition to `out`: an entity id, or a created_at range. */
function addCondition(out: Mem0Scope, key: string, value: unknown): void {
  if (key === "AND") {
    if (!Array.isArray(value)) throw new ApiError("invalid_request", "filters.AND must be a list");
    for (const part of value) addConditions(out, part);
    return;
  }
  if (key === "created_at") {
    const b = dateBound.safeParse(value);
    if (!b.success) throw new ApiError("invalid_request", "filters.created_at takes gte, gt, lte and lt");
    const { gte, gt, lte, lt } = b.data;
    if (gte !== undefined) out.created_after = iso(timeOf(gte, "created_at.gte"));
    if (gt !== undefined) out.created_after = iso(timeOf(gt, "created_at.gt") + 1);
    if (lt !== undefined) out.created_before = iso(timeOf(lt, "created_at.lt"));
    if (lte !== undefined) out.created_before = iso(timeOf(lte, "created_at.lte") + 1);
    return;
  }
  if (key in scopeKeys) {
    if (value === "*") return;
    const to = scopeKeys[key as keyof typeof scopeKeys];
    if (out[to] !== undefined && out[to] !== value) throw new ApiError("invalid_request", `filters name two values of ${key}`);
    Object.assign(out, entityScope({ [key]: value }));
    return;
  }
  throw new ApiError("invalid_request", `filters.${key} is not supported here: use user_id, agent_id, run_id, created_at and AND`);
}

function addConditions(out: Mem0Scope, filters: unknown): void {
  if (typeof filters !== "object" || filters === null || Array.isArray(filters)) throw new ApiError("invalid_request", "filters must be an object");
  for (const [key, value] of Object.entries(filters)) addCondition(out, key, value);
}

/** Mem0 `filters` (entity ids, `AND` of them, created_at ranges) as a scope; OR, NOT, metadata and categories are refused. */
export function parseFilters(filters: unknown): Mem0Scope {
  const out: Mem0Scope = {};
  if (filters !== undefined && filters !== null) addConditions(out, filters);
  return out;
}

const EVENTS: Record<string, string> = { create: "ADD", extract: "ADD", delete: "DELETE" };

/** One version of a memory as a Mem0 history entry: the text before and after, and what happened. */
export function historyEntry(v: { version: number; reason: string; at: number; memory: Memory }, previous: string | null) {
  const deleted = v.reason === "delete";
  return {
    id: `${v.memory.id}@${v.version}`,
    memory_id: v.memory.id,
    input: [],
    old_memory: previous,
    new_memory: deleted ? null : v.memory.text,
    user_id: v.memory.user_id,
    categories: v.memory.tags,
    event: EVENTS[v.reason] ?? "UPDATE",
    created_at: iso(v.at),
    updated_at: iso(v.at),
  };
}
