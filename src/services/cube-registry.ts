// Creating and listing a tenant's cubes: each cube binds itself to its object before D1 registers it.
import { newId } from "../lib/ids";
import { ApiError } from "../errors";
import type { CubeIdentity } from "../memory/cube-contract";
import { unwrap } from "./cubes";
import type { Deps } from "./deps";
import type { CubeFields, CubeRecord } from "./registry";
import { reachableCubes, reachCube, type Principal } from "./access";

export interface NewCube extends CubeFields {
  id?: string | undefined;
}

/**
 * Creates a cube (a new id when none is given); `created` is false when it already existed. The
 * object binds itself to its identity, and refuses one it cannot hold, before D1 registers it.
 */
export async function createCube(deps: Deps, who: Principal, body: NewCube): Promise<{ cube: CubeRecord; created: boolean }> {
  const fields = ownerFields(who, body);
  const identity = { tenant_id: who.tenant_id, cube_id: body.id ?? newId("cube") };
  const existing = await deps.registry.get(identity);
  if (existing) {
    // Asking again for a cube that exists answers it, only to a caller that may read it.
    await reachCube(deps, who, { cube_id: identity.cube_id }, "read");
    return { cube: existing, created: false };
  }
  unwrap(await deps.cube(identity).stats(identity));
  const created = await deps.registry.register(identity, { ...body, ...fields });
  const cube = await deps.registry.get(identity);
  if (!cube) throw new Error("cube registered but not found");
  return { cube, created };
}

/**
 * A limited key creates cubes only for itself: owned by its user and agent (when it is limited to
 * exactly one of each, they are filled in); a key limited to cubes creates none.
 */
function ownerFields(who: Principal, body: NewCube): CubeFields {
  const limits = who.limits;
  if (limits === null) return {};
  if (limits.cube_ids !== undefined) throw new ApiError("forbidden", "a key limited to cubes cannot create cubes");
  const pick = (allowed: string[] | undefined, given: string | null | undefined, what: string): string | null | undefined => {
    if (allowed === undefined) return given;
    if (given !== undefined && given !== null) {
      if (!allowed.includes(given)) throw new ApiError("forbidden", `this key may not create a cube for ${what} ${given}`);
      return given;
    }
    if (allowed.length === 1) return allowed[0];
    throw new ApiError("forbidden", `this key is limited to several ${what}s: give owner_${what}_id`);
  };
  return { owner_user_id: pick(limits.user_ids, body.owner_user_id, "user"), owner_agent_id: pick(limits.agent_ids, body.owner_agent_id, "agent") };
}

/** A cube the caller owns outright (not through a grant), to delete it or manage its grants. */
export async function ownCube(deps: Deps, who: Principal, cubeId: string): Promise<CubeIdentity> {
  const reach = await reachCube(deps, who, { cube_id: cubeId }, "write");
  if (reach.via === "grant") throw new ApiError("forbidden", `only the owner of cube ${cubeId} may do this`);
  return reach.identity;
}

/** The caller's cubes in id order, `limit` at a time after `after`; `last` is set when more follow. */
export async function listCubes(deps: Deps, who: Principal, limit: number, after: string): Promise<{ cubes: CubeRecord[]; last: string | null }> {
  const reach = await reachableCubes(deps, who, 1_000);
  if (reach !== null) {
    const ids = reach.map((r) => r.identity.cube_id).filter((id) => id > after);
    const rows = (await Promise.all(ids.slice(0, limit + 1).map((id) => deps.registry.get({ tenant_id: who.tenant_id, cube_id: id })))).filter((r): r is CubeRecord => r !== null);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { cubes: page, last: rows.length > limit && last ? last.id : null };
  }
  const rows = await deps.registry.list(who.tenant_id, after, limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { cubes: page, last: rows.length > limit && last ? last.id : null };
}
