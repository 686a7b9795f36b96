// The tenant's cube registry in D1: which cubes exist, their refs, owners and names.
import { and, asc, eq, gt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { cubes } from "../db/schema";
import type { CubeIdentity } from "../memory/cube-contract";
import { cubeRef } from "../lib/ids";
import type { KeyLimits } from "../governance/access";

export interface CubeRecord {
  id: string;
  name: string | null;
  owner_user_id: string | null;
  owner_agent_id: string | null;
  created_at: number;
}

export interface CubeFields {
  name?: string | null | undefined;
  owner_user_id?: string | null | undefined;
  owner_agent_id?: string | null | undefined;
}

/** Every call is scoped to one tenant: no method reads or writes another tenant's cubes. */
export interface CubeRegistry {
  exists(identity: CubeIdentity): Promise<boolean>;
  /** Registers a cube once; false when it was registered already. */
  register(identity: CubeIdentity, fields?: CubeFields): Promise<boolean>;
  get(identity: CubeIdentity): Promise<CubeRecord | null>;
  /** The cube whose memory ids end with `ref`. */
  ofRef(tenant: string, ref: string): Promise<string | null>;
  /** Cubes in id order after `after`, at most `limit`. */
  list(tenant: string, after: string, limit: number): Promise<CubeRecord[]>;
  /** Cubes a key with these limits owns (by id, owner user and owner agent), in id order, at most `limit`. */
  owned(tenant: string, limits: KeyLimits, limit: number): Promise<CubeRecord[]>;
  /** How many cubes sort after `after`. */
  countAfter(tenant: string, after: string): Promise<number>;
  remove(identity: CubeIdentity): Promise<void>;
}

const record = (r: typeof cubes.$inferSelect): CubeRecord => ({ id: r.id, name: r.name, owner_user_id: r.ownerUserId, owner_agent_id: r.ownerAgentId, created_at: r.createdAt });

// Cubes known to exist (with their ref recorded), per isolate: saves a D1 round trip on writes to
// a known cube. A cube removed through this isolate is forgotten here at once; one removed through
// another isolate is forgotten within KNOWN_TTL_MS, so a stale entry cannot keep a deleted named
// cube writable for longer than that.
const KNOWN_TTL_MS = 10_000;
const known = new Map<string, number>();
const keyOf = (identity: CubeIdentity) => `${identity.tenant_id}/${identity.cube_id}`;
const isKnown = (identity: CubeIdentity): boolean => {
  const until = known.get(keyOf(identity));
  if (until === undefined) return false;
  if (until > Date.now()) return true;
  known.delete(keyOf(identity));
  return false;
};
const remember = (identity: CubeIdentity): void => {
  // Bounded: an isolate that has seen very many cubes starts over rather than grow without end.
  if (known.size >= 10_000) known.clear();
  known.set(keyOf(identity), Date.now() + KNOWN_TTL_MS);
};

export function d1CubeRegistry(d1: D1Database): CubeRegistry {
  const db = drizzle(d1);
  const where = (identity: CubeIdentity) => and(eq(cubes.tenantId, identity.tenant_id), eq(cubes.id, identity.cube_id));
  return {
    async exists(identity) {
      if (isKnown(identity)) return true;
      const row = await db.select({ id: cubes.id, ref: cubes.ref }).from(cubes).where(where(identity)).get();
      if (!row) return false;
      // A cube registered before cubes had refs gets its ref now, so its new memory ids resolve.
      if (row.ref === null) await db.update(cubes).set({ ref: cubeRef(identity.cube_id) }).where(where(identity)).run();
      remember(identity);
      return true;
    },
    async register(identity, fields = {}) {
      const res = await db
        .insert(cubes)
        .values({
          tenantId: identity.tenant_id,
          id: identity.cube_id,
          name: fields.name ?? null,
          ownerUserId: fields.owner_user_id ?? null,
          ownerAgentId: fields.owner_agent_id ?? null,
          createdAt: Date.now(),
          ref: cubeRef(identity.cube_id),
        })
        .onConflictDoNothing()
        .run();
      remember(identity);
      return res.meta.changes > 0;
    },
    async get(identity) {
      const row = await db.select().from(cubes).where(where(identity)).get();
      return row ? record(row) : null;
    },
    async ofRef(tenant, ref) {
      const row = await db.select({ id: cubes.id }).from(cubes).where(and(eq(cubes.tenantId, tenant), eq(cubes.ref, ref))).get();
      return row?.id ?? null;
    },
    async list(tenant, after, limit) {
      const rows = await db.select().from(cubes).where(and(eq(cubes.tenantId, tenant), gt(cubes.id, after))).orderBy(asc(cubes.id)).limit(limit).all();
      return rows.map(record);
    },
    async owned(tenant, limits, limit) {
      const list = (ids: string[] | undefined) => (ids === undefined ? null : JSON.stringify(ids));
      const { results } = await d1
        .prepare(
          `SELECT * FROM cubes WHERE tenant_id = ?1
             AND (?2 IS NULL OR id IN (SELECT value FROM json_each(?2)))
             AND (?3 IS NULL OR owner_user_id IN (SELECT value FROM json_each(?3)))
             AND (?4 IS NULL OR owner_agent_id IS NULL OR owner_agent_id IN (SELECT value FROM json_each(?4)))
           ORDER BY id LIMIT ?5`,
        )
        .bind(tenant, list(limits.cube_ids), list(limits.user_ids), list(limits.agent_ids), limit)
        .all<{ id: string; name: string | null; owner_user_id: string | null; owner_agent_id: string | null; created_at: number }>();
      return results.map((r) => ({ id: r.id, name: r.name, owner_user_id: r.owner_user_id, owner_agent_id: r.owner_agent_id, created_at: r.created_at }));
    },
    async countAfter(tenant, after) {
      const row = await d1.prepare("SELECT COUNT(*) AS n FROM cubes WHERE tenant_id = ? AND id > ?").bind(tenant, after).first<{ n: number }>();
      return row?.n ?? 0;
    },
    async remove(identity) {
      await db.delete(cubes).where(where(identity)).run();
      known.delete(keyOf(identity));
    },
  };
}
