// Finding a tenant's cube object, registering cubes in D1, and unwrapping cube RPC results.
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Env } from "../env";
import type { CubeObject } from "../../durable-objects/cube";
import { cubes } from "../db/schema";
import { ApiError } from "../errors";
import type { CubeIdentity, CubeResult } from "../memory/cube-contract";

/** The cube of a user, created on first write: `user:<user_id>`. */
export const userCubeId = (userId: string) => `user:${userId}`;

/**
 * The cube's RPC surface as the Worker sees it. The runtime's generated stub types turn
 * `unknown` fields (metadata) into `never`; every method returns plain structured-cloneable
 * data, so the class's own signatures are the truthful contract.
 */
export type CubeRpc = Pick<
  CubeObject,
  | "addMemories" | "addMessages" | "getJob" | "startJob" | "planJob" | "completeJob" | "applyFeedback" | "entities" | "failJob" | "getMemory" | "history"
  | "listMemories" | "updateMemory" | "deleteMemory" | "deleteScope" | "search" | "stats" | "drain"
>;

export function cubeStub(env: Env, identity: CubeIdentity): CubeRpc {
  // The object name carries the tenant, so two tenants can never reach the same object.
  return env.CUBE.get(env.CUBE.idFromName(`${identity.tenant_id}/${identity.cube_id}`)) as unknown as CubeRpc;
}

export function unwrap<T>(result: CubeResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.error.code, result.error.message, result.error.details);
}

// Cubes known to exist, per isolate: saves a D1 round trip on every write to a known cube.
const known = new Set<string>();

export async function cubeExists(env: Env, identity: CubeIdentity): Promise<boolean> {
  const key = `${identity.tenant_id}/${identity.cube_id}`;
  if (known.has(key)) return true;
  const row = await drizzle(env.DB)
    .select({ id: cubes.id })
    .from(cubes)
    .where(and(eq(cubes.tenantId, identity.tenant_id), eq(cubes.id, identity.cube_id)))
    .get();
  if (row) known.add(key);
  return row !== undefined;
}

export async function registerCube(
  env: Env,
  identity: CubeIdentity,
  fields: { name?: string | null; owner_user_id?: string | null; owner_agent_id?: string | null } = {},
): Promise<boolean> {
  const res = await drizzle(env.DB)
    .insert(cubes)
    .values({
      tenantId: identity.tenant_id,
      id: identity.cube_id,
      name: fields.name ?? null,
      ownerUserId: fields.owner_user_id ?? null,
      ownerAgentId: fields.owner_agent_id ?? null,
      createdAt: Date.now(),
    })
    .onConflictDoNothing()
    .run();
  known.add(`${identity.tenant_id}/${identity.cube_id}`);
  return res.meta.changes > 0;
}

/**
 * The cube a request addresses: `cube_id` if given, else the user's cube. Writes create a
 * user's cube on first use; anything else must already exist in the caller's tenant.
 */
export async function resolveCube(
  env: Env,
  tenantId: string,
  target: { cube_id?: string | undefined; user_id?: string | undefined },
  forWrite: boolean,
): Promise<CubeIdentity> {
  const cubeId = target.cube_id ?? (target.user_id !== undefined ? userCubeId(target.user_id) : undefined);
  if (!cubeId) throw new ApiError("invalid_request", "give user_id or cube_id");
  const identity = { tenant_id: tenantId, cube_id: cubeId };
  if (await cubeExists(env, identity)) return identity;
  if (forWrite && target.cube_id === undefined && target.user_id !== undefined) {
    await registerCube(env, identity, { owner_user_id: target.user_id });
    return identity;
  }
  throw new ApiError("not_found", `cube ${cubeId} not found`);
}
