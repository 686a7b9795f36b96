// The D1 memory catalog (fed by the cubes' outboxes) for tenant-wide reads; always tenant-filtered.
import { and, desc, eq, getTableColumns, gt, gte, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { memories } from "../db/schema";
import type { Memory, MemoryState } from "../memory/types";
import { fromRecord, type MemoryRecord } from "../memory/memory-record";
import { refOfMemoryId } from "../lib/ids";
import type { CubeIdentity } from "../memory/cube-contract";
import type { CubeRegistry } from "./registry";
import { removeCubeFromHub } from "./hub-store";

// The catalog's columns under their SQL names, so that a row reads as the one MemoryRecord shape.
const RECORD_FIELDS = Object.fromEntries(Object.values(getTableColumns(memories)).map((col) => [col.name, col]));

export interface CatalogQuery {
  agent_id?: string | undefined;
  session_id?: string | undefined;
  state?: MemoryState | undefined;
  created_after?: number | undefined;
  created_before?: number | undefined;
  tags?: string[] | undefined;
  limit: number;
  after?: { c: number; i: string } | undefined;
  /** Only these cubes, each with its agent visibility (null: every memory); absent: every cube of the tenant. */
  within?: Array<{ cube_id: string; visible_agents: string[] | null }> | undefined;
}

/** The catalog condition of a `within` list: whole cubes, and cubes seen through an agent filter. */
function withinSql(within: NonNullable<CatalogQuery["within"]>): SQL {
  const whole = within.filter((w) => w.visible_agents === null).map((w) => w.cube_id);
  const parts: SQL[] = [sql`${memories.cubeId} IN (SELECT value FROM json_each(${JSON.stringify(whole)}))`];
  const narrowed = new Map<string, { agents: string[]; cubes: string[] }>();
  for (const w of within) {
    if (w.visible_agents === null) continue;
    const key = JSON.stringify(w.visible_agents);
    const group = narrowed.get(key) ?? { agents: w.visible_agents, cubes: [] };
    group.cubes.push(w.cube_id);
    narrowed.set(key, group);
  }
  for (const { agents, cubes } of narrowed.values()) {
    parts.push(
      sql`(${memories.cubeId} IN (SELECT value FROM json_each(${JSON.stringify(cubes)})) AND (${memories.agentId} IS NULL OR ${memories.agentId} IN (SELECT value FROM json_each(${JSON.stringify(agents)}))))`,
    );
  }
  return or(...parts) as SQL;
}

/** Tenant-wide listing, newest first, keyset-paged on (created_at, id). */
async function listCatalog(d1: D1Database, tenantId: string, q: CatalogQuery): Promise<{ rows: Memory[]; last: { c: number; i: string } | null }> {
  const conds: SQL[] = [eq(memories.tenantId, tenantId), eq(memories.state, q.state ?? "active")];
  // An expired memory is gone at once, before its cube's alarm removes its row here.
  conds.push(or(isNull(memories.expiresAt), gt(memories.expiresAt, Date.now())) as SQL);
  if (q.within) conds.push(withinSql(q.within));
  if (q.agent_id) conds.push(eq(memories.agentId, q.agent_id));
  if (q.session_id) conds.push(eq(memories.sessionId, q.session_id));
  if (q.created_after !== undefined) conds.push(gte(memories.createdAt, q.created_after));
  if (q.created_before !== undefined) conds.push(lt(memories.createdAt, q.created_before));
  for (const tag of q.tags ?? []) conds.push(sql`EXISTS (SELECT 1 FROM json_each(${memories.tags}) WHERE json_each.value = ${tag})`);
  if (q.after) {
    conds.push(or(lt(memories.createdAt, q.after.c), and(eq(memories.createdAt, q.after.c), lt(memories.id, q.after.i))) as SQL);
  }
  const rows = (await drizzle(d1)
    .select(RECORD_FIELDS)
    .from(memories)
    .where(and(...conds))
    .orderBy(desc(memories.createdAt), desc(memories.id))
    .limit(q.limit + 1)
    // drizzle types a select of computed fields loosely; the fields are exactly the record's columns.
    .all()) as unknown as MemoryRecord[];
  const page = rows.slice(0, q.limit).map((r) => fromRecord(r));
  const last = rows.length > q.limit ? page[page.length - 1] : undefined;
  return { rows: page, last: last ? { c: last.created_at, i: last.id } : null };
}

/** The tenant-wide catalog of memories, fed by the cubes' outboxes; every query names the tenant. */
export interface MemoryCatalog {
  /** The cube that holds a memory id, per the catalog (ids older than ids that name their cube). */
  cubeOf(tenantId: string, id: string): Promise<string | null>;
  /** Newest first, keyset-paged on (created_at, id). */
  list(tenantId: string, q: CatalogQuery): Promise<{ rows: Memory[]; last: { c: number; i: string } | null }>;
  /** Forgets every row of a cube (the cube is being deleted). */
  removeCube(identity: CubeIdentity): Promise<void>;
}

export function d1Catalog(d1: D1Database): MemoryCatalog {
  return {
    async cubeOf(tenantId, id) {
      const row = await drizzle(d1).select({ cubeId: memories.cubeId }).from(memories).where(and(eq(memories.tenantId, tenantId), eq(memories.id, id))).get();
      return row?.cubeId ?? null;
    },
    list: (tenantId, q) => listCatalog(d1, tenantId, q),
    async removeCube(identity) {
      await d1.prepare("DELETE FROM memories WHERE tenant_id = ? AND cube_id = ?").bind(identity.tenant_id, identity.cube_id).run();
      // The hub's listings of the cube's items (and installs into it) go with its catalog rows.
      await removeCubeFromHub(d1, identity.tenant_id, identity.cube_id);
    },
  };
}

/**
 * Which cube of the tenant holds a memory id: the cube its id names (known from the moment the
 * write was acknowledged), else, for ids older than that, the catalog; null when unknown.
 */
export async function locateMemory(deps: { registry: CubeRegistry; catalog: MemoryCatalog }, tenantId: string, id: string): Promise<string | null> {
  const ref = refOfMemoryId(id);
  return ref !== null ? deps.registry.ofRef(tenantId, ref) : deps.catalog.cubeOf(tenantId, id);
}
