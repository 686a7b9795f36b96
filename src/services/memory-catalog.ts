// Tenant-wide reads from D1's memory catalog (fed by the cubes' outboxes); always tenant-filtered.
import { and, desc, eq, gte, lt, or, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Env } from "../env";
import { memories } from "../db/schema";
import type { Memory, MemoryState, MemoryType, Metadata } from "../memory/types";
import { refOfMemoryId } from "../lib/ids";
import { cubeOfRef } from "./cubes";

type Row = typeof memories.$inferSelect;

export function catalogRowToMemory(r: Row): Memory {
  return {
    id: r.id,
    tenant_id: r.tenantId,
    cube_id: r.cubeId,
    user_id: r.userId,
    agent_id: r.agentId,
    session_id: r.sessionId,
    text: r.text,
    type: r.type as MemoryType,
    tags: JSON.parse(r.tags) as string[],
    entities: JSON.parse(r.entities) as string[],
    metadata: JSON.parse(r.metadata) as Metadata,
    importance: r.importance,
    state: r.state as MemoryState,
    version: r.version,
    hash: r.hash,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    valid_from: r.validFrom,
    valid_to: r.validTo,
    event_time: r.eventTime,
    source_message_ids: JSON.parse(r.sourceMessageIds) as string[],
    seen_count: 1,
    last_seen_at: r.updatedAt,
  };
}

/**
 * Which cube of the tenant holds a memory id: the cube its id names (known from the moment the
 * write was acknowledged), else, for ids older than that, the catalog; null when unknown.
 */
export async function locateMemory(env: Env, tenantId: string, id: string): Promise<string | null> {
  const ref = refOfMemoryId(id);
  if (ref !== null) return cubeOfRef(env, tenantId, ref);
  const row = await drizzle(env.DB)
    .select({ cubeId: memories.cubeId })
    .from(memories)
    .where(and(eq(memories.tenantId, tenantId), eq(memories.id, id)))
    .get();
  return row?.cubeId ?? null;
}

export interface CatalogQuery {
  agent_id?: string | undefined;
  session_id?: string | undefined;
  state?: MemoryState | undefined;
  created_after?: number | undefined;
  created_before?: number | undefined;
  tags?: string[] | undefined;
  limit: number;
  after?: { c: number; i: string } | undefined;
}

/** Tenant-wide listing, newest first, keyset-paged on (created_at, id). */
export async function listCatalog(env: Env, tenantId: string, q: CatalogQuery): Promise<{ rows: Memory[]; last: { c: number; i: string } | null }> {
  const conds: SQL[] = [eq(memories.tenantId, tenantId), eq(memories.state, q.state ?? "active")];
  if (q.agent_id) conds.push(eq(memories.agentId, q.agent_id));
  if (q.session_id) conds.push(eq(memories.sessionId, q.session_id));
  if (q.created_after !== undefined) conds.push(gte(memories.createdAt, q.created_after));
  if (q.created_before !== undefined) conds.push(lt(memories.createdAt, q.created_before));
  for (const tag of q.tags ?? []) conds.push(sql`EXISTS (SELECT 1 FROM json_each(${memories.tags}) WHERE json_each.value = ${tag})`);
  if (q.after) {
    conds.push(or(lt(memories.createdAt, q.after.c), and(eq(memories.createdAt, q.after.c), lt(memories.id, q.after.i))) as SQL);
  }
  const rows = await drizzle(env.DB)
    .select()
    .from(memories)
    .where(and(...conds))
    .orderBy(desc(memories.createdAt), desc(memories.id))
    .limit(q.limit + 1)
    .all();
  const page = rows.slice(0, q.limit).map(catalogRowToMemory);
  const last = rows.length > q.limit ? page[page.length - 1] : undefined;
  return { rows: page, last: last ? { c: last.created_at, i: last.id } : null };
}
