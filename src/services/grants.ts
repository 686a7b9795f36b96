// The tenant's grants in D1: read or write on a cube for another user, agent or cube; every query names the tenant.
import { and, desc, eq, inArray, isNull, or, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { grants } from "../db/schema";
import type { GrantFact, GranteeKind, KeyLimits, Permission } from "../governance/access";
import { newId } from "../lib/ids";

export interface GrantRecord extends GrantFact {
  id: string;
  cube_id: string;
  created_at: number;
  created_by: string;
  revoked_at: number | null;
}

export interface NewGrant {
  cube_id: string;
  grantee_kind: GranteeKind;
  grantee_id: string;
  permission: Permission;
  created_by: string;
}

export interface GrantStore {
  /** Live grants on a cube. */
  onCube(tenant: string, cubeId: string): Promise<GrantRecord[]>;
  /** Every grant on a cube, revoked ones included, newest first. */
  history(tenant: string, cubeId: string): Promise<GrantRecord[]>;
  /** Live grants of the tenant, newest first, at most `limit`. */
  all(tenant: string, limit: number): Promise<GrantRecord[]>;
  /** Live grants naming any of the limits' cubes, users or agents. */
  received(tenant: string, limits: KeyLimits): Promise<GrantRecord[]>;
  /**
   * Grants `permission` once: a live grant for the same grantee is changed to the new permission
   * (and answered, `created: false`) rather than doubled.
   */
  grant(tenant: string, grant: NewGrant): Promise<{ grant: GrantRecord; created: boolean }>;
  /** Revokes a live grant of the cube; the revoked record, or null when there is no such grant. */
  revoke(tenant: string, cubeId: string, id: string): Promise<GrantRecord | null>;
  /** Forgets every grant on or to a cube (the cube is being deleted). */
  removeCube(tenant: string, cubeId: string): Promise<void>;
}

type Row = typeof grants.$inferSelect;
const record = (r: Row): GrantRecord => ({
  id: r.id,
  cube_id: r.cubeId,
  grantee_kind: r.granteeKind as GranteeKind,
  grantee_id: r.granteeId,
  permission: r.permission as Permission,
  created_at: r.createdAt,
  created_by: r.createdBy,
  revoked_at: r.revokedAt,
});

export function d1Grants(d1: D1Database): GrantStore {
  const db = drizzle(d1);
  const live = (tenant: string) => and(eq(grants.tenantId, tenant), isNull(grants.revokedAt));
  return {
    async onCube(tenant, cubeId) {
      return (await db.select().from(grants).where(and(live(tenant), eq(grants.cubeId, cubeId))).all()).map(record);
    },
    async history(tenant, cubeId) {
      const rows = await db.select().from(grants).where(and(eq(grants.tenantId, tenant), eq(grants.cubeId, cubeId))).all();
      return rows.map(record).sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : -1));
    },
    async all(tenant, limit) {
      return (await db.select().from(grants).where(live(tenant)).orderBy(desc(grants.createdAt)).limit(limit).all()).map(record);
    },
    async received(tenant, limits) {
      const by: SQL[] = [];
      const kinds: Array<[GranteeKind, string[] | undefined]> = [["user", limits.user_ids], ["agent", limits.agent_ids], ["cube", limits.cube_ids]];
      for (const [kind, ids] of kinds) if (ids?.length) by.push(and(eq(grants.granteeKind, kind), inArray(grants.granteeId, ids)) as SQL);
      if (by.length === 0) return [];
      return (await db.select().from(grants).where(and(live(tenant), or(...by))).all()).map(record);
    },
    async grant(tenant, g) {
      const same = and(live(tenant), eq(grants.cubeId, g.cube_id), eq(grants.granteeKind, g.grantee_kind), eq(grants.granteeId, g.grantee_id));
      const existing = await db.select().from(grants).where(same).get();
      if (existing) {
        if (existing.permission !== g.permission) await db.update(grants).set({ permission: g.permission }).where(and(eq(grants.tenantId, tenant), eq(grants.id, existing.id))).run();
        return { grant: { ...record(existing), permission: g.permission }, created: false };
      }
      const row: Row = { id: newId("grt"), tenantId: tenant, cubeId: g.cube_id, granteeKind: g.grantee_kind, granteeId: g.grantee_id, permission: g.permission, createdAt: Date.now(), createdBy: g.created_by, revokedAt: null };
      await db.insert(grants).values(row).run();
      return { grant: record(row), created: true };
    },
    async revoke(tenant, cubeId, id) {
      const where = and(eq(grants.tenantId, tenant), eq(grants.cubeId, cubeId), eq(grants.id, id));
      const row = await db.select().from(grants).where(where).get();
      if (!row) return null;
      if (row.revokedAt === null) await db.update(grants).set({ revokedAt: Date.now() }).where(where).run();
      const after = await db.select().from(grants).where(where).get();
      return record(after ?? row);
    },
    async removeCube(tenant, cubeId) {
      await d1.prepare("DELETE FROM grants WHERE tenant_id = ? AND (cube_id = ? OR (grantee_kind = 'cube' AND grantee_id = ?))").bind(tenant, cubeId, cubeId).run();
    },
  };
}
