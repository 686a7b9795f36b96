// Creating and listing a tenant's cubes: each cube binds itself to its object before D1 registers it.
import { newId } from "../lib/ids";
import { unwrap } from "./cubes";
import type { Deps } from "./deps";
import type { CubeFields, CubeRecord } from "./registry";

export interface NewCube extends CubeFields {
  id?: string | undefined;
}

/**
 * Creates a cube (a new id when none is given); `created` is false when it already existed. The
 * object binds itself to its identity, and refuses one it cannot hold, before D1 registers it.
 */
export async function createCube(deps: Deps, tenant: string, body: NewCube): Promise<{ cube: CubeRecord; created: boolean }> {
  const identity = { tenant_id: tenant, cube_id: body.id ?? newId("cube") };
  unwrap(await deps.cube(identity).stats(identity));
  const created = await deps.registry.register(identity, body);
  const cube = await deps.registry.get(identity);
  if (!cube) throw new Error("cube registered but not found");
  return { cube, created };
}

/** The tenant's cubes in id order, `limit` at a time after `after`; `last` is set when more follow. */
export async function listCubes(deps: Deps, tenant: string, limit: number, after: string): Promise<{ cubes: CubeRecord[]; last: string | null }> {
  const rows = await deps.registry.list(tenant, after, limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { cubes: page, last: rows.length > limit && last ? last.id : null };
}
