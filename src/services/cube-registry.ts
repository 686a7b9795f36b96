// Creating and listing a tenant's cubes: the registry in D1, each cube bound to its object first.
import { and, asc, eq, gt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Env } from "../env";
import { cubes as cubesTable } from "../db/schema";
import { newId } from "../lib/ids";
import { cubeStub, registerCube, unwrap } from "./cubes";

export interface CubeRecord {
  id: string;
  name: string | null;
  owner_user_id: string | null;
  owner_agent_id: string | null;
  created_at: number;
}

const record = (r: typeof cubesTable.$inferSelect): CubeRecord => ({ id: r.id, name: r.name, owner_user_id: r.ownerUserId, owner_agent_id: r.ownerAgentId, created_at: r.createdAt });

export interface NewCube {
  id?: string | undefined;
  name?: string | undefined;
  owner_user_id?: string | undefined;
  owner_agent_id?: string | undefined;
}

/**
 * Creates a cube (a new id when none is given); `created` is false when it already existed. The
 * object binds itself to its identity, and refuses one it cannot hold, before D1 registers it.
 */
export async function createCube(env: Env, tenant: string, body: NewCube): Promise<{ cube: CubeRecord; created: boolean }> {
  const identity = { tenant_id: tenant, cube_id: body.id ?? newId("cube") };
  unwrap(await cubeStub(env, identity).stats(identity));
  const created = await registerCube(env, identity, { name: body.name, owner_user_id: body.owner_user_id, owner_agent_id: body.owner_agent_id });
  const row = await drizzle(env.DB).select().from(cubesTable).where(and(eq(cubesTable.tenantId, tenant), eq(cubesTable.id, identity.cube_id))).get();
  if (!row) throw new Error("cube registered but not found");
  return { cube: record(row), created };
}

/** The tenant's cubes in id order, `limit` at a time after `after`. */
export async function listCubes(env: Env, tenant: string, limit: number, after: string): Promise<{ cubes: CubeRecord[]; last: string | null }> {
  const rows = await drizzle(env.DB)
    .select()
    .from(cubesTable)
    .where(and(eq(cubesTable.tenantId, tenant), gt(cubesTable.id, after)))
    .orderBy(asc(cubesTable.id))
    .limit(limit + 1)
    .all();
  const page = rows.slice(0, limit).map(record);
  const last = page[page.length - 1];
  return { cubes: page, last: rows.length > limit && last ? last.id : null };
}
