// Finding a tenant's cube object, registering cubes in D1, and unwrapping cube RPC results.
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Env } from "../env";
import type { CubeObject } from "../../durable-objects/cube";
import { cubes } from "../db/schema";
import { ApiError } from "../errors";
import { USER_CUBE_PREFIX, type CubeIdentity, type CubeResult } from "../memory/cube-contract";
import { cubeRef } from "../lib/ids";

/** The cube of a user, created on first write: `user:<user_id>`. */
export const userCubeId = (userId: string) => `${USER_CUBE_PREFIX}${userId}`;

/**
 * The cube's RPC surface as the Worker sees it. The runtime's generated stub types turn
 * `unknown` fields (metadata) into `never`; every method returns plain structured-cloneable
 * data, so the class's own signatures are the truthful contract.
 */
export type CubeRpc = Pick<
  CubeObject,
  | "addMemories" | "addMessages" | "getJob" | "startJob" | "planJob" | "completeJob" | "applyFeedback" | "entities" | "failJob" | "getMemory" | "history"
  | "listMemories" | "updateMemory" | "deleteMemory" | "deleteScope" | "search" | "stats" | "drain" | "close" | "destroy"
>;

export function cubeStub(env: Env, identity: CubeIdentity): CubeRpc {
  // The object name carries the tenant, so two tenants can never reach the same object.
  return env.CUBE.get(env.CUBE.idFromName(`${identity.tenant_id}/${identity.cube_id}`)) as unknown as CubeRpc;
}

export function unwrap<T>(result: CubeResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.error.code, result.error.message, result.error.details);
}

// Cubes known to exist (with their ref recorded), per isolate: saves a D1 round trip on every
// write to a known cube. A cube deleted through this isolate is forgotten here at once.
const known = new Set<string>();
const keyOf = (identity: CubeIdentity) => `${identity.tenant_id}/${identity.cube_id}`;

export async function cubeExists(env: Env, identity: CubeIdentity): Promise<boolean> {
  const key = keyOf(identity);
  if (known.has(key)) return true;
  const row = await drizzle(env.DB)
    .select({ id: cubes.id, ref: cubes.ref })
    .from(cubes)
    .where(and(eq(cubes.tenantId, identity.tenant_id), eq(cubes.id, identity.cube_id)))
    .get();
  if (!row) return false;
  // A cube registered before cubes had refs gets its ref now, so its new memory ids resolve.
  if (row.ref === null) {
    await drizzle(env.DB).update(cubes).set({ ref: cubeRef(identity.cube_id) }).where(and(eq(cubes.tenantId, identity.tenant_id), eq(cubes.id, identity.cube_id))).run();
  }
  known.add(key);
  return true;
}

export function forgetKnownCube(identity: CubeIdentity): void {
  known.delete(keyOf(identity));
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
      ref: cubeRef(identity.cube_id),
    })
    .onConflictDoNothing()
    .run();
  known.add(keyOf(identity));
  return res.meta.changes > 0;
}

/** The tenant's cube whose memory ids end with `ref`, or null. */
export async function cubeOfRef(env: Env, tenantId: string, ref: string): Promise<string | null> {
  const row = await drizzle(env.DB).select({ id: cubes.id }).from(cubes).where(and(eq(cubes.tenantId, tenantId), eq(cubes.ref, ref))).get();
  return row?.id ?? null;
}

/** The cube id a target names: `cube_id`, else the user's cube. */
function targetCubeId(target: { cube_id?: string | undefined; user_id?: string | undefined }): string {
  const cubeId = target.cube_id ?? (target.user_id !== undefined ? userCubeId(target.user_id) : undefined);
  if (!cubeId) throw new ApiError("invalid_request", "give user_id or cube_id");
  return cubeId;
}

/** The cube a request reads: `cube_id` if given, else the user's cube; it must exist in the caller's tenant. */
export async function resolveCube(env: Env, tenantId: string, target: { cube_id?: string | undefined; user_id?: string | undefined }): Promise<CubeIdentity> {
  const identity = { tenant_id: tenantId, cube_id: targetCubeId(target) };
  if (await cubeExists(env, identity)) return identity;
  throw new ApiError("not_found", `cube ${identity.cube_id} not found`);
}

export interface WriteTarget {
  identity: CubeIdentity;
  /** Registers a user's cube created by this write; call it once the cube has accepted the write. */
  register(): Promise<void>;
}

/**
 * The cube a write goes to. A user's cube is created by its first write, but registered in D1
 * only after the cube object accepted that write: a request the cube refuses leaves nothing
 * behind. A named cube must have been created first.
 */
export async function resolveWriteTarget(env: Env, tenantId: string, target: { cube_id?: string | undefined; user_id?: string | undefined }): Promise<WriteTarget> {
  const identity = { tenant_id: tenantId, cube_id: targetCubeId(target) };
  const noop = async () => {};
  if (await cubeExists(env, identity)) return { identity, register: noop };
  if (target.cube_id !== undefined || target.user_id === undefined) throw new ApiError("not_found", `cube ${identity.cube_id} not found`);
  return {
    identity,
    register: async () => {
      await registerCube(env, identity, { owner_user_id: target.user_id });
    },
  };
}
