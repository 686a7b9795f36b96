// Finding the cube a request addresses, the cube objects' RPC surface, and unwrapping its results.
import type { Env } from "../env";
import type { CubeObject } from "../../durable-objects/cube";
import { ApiError } from "../errors";
import { USER_CUBE_PREFIX, type CubeIdentity, type CubeResult } from "../memory/cube-contract";
import type { CubeRegistry } from "./registry";

/** The cube of a user, created on first write: `user:<user_id>`. */
export const userCubeId = (userId: string) => `${USER_CUBE_PREFIX}${userId}`;

/**
 * The cube's RPC surface as the Worker uses it: the class's own method signatures (every method
 * returns plain structured-cloneable data). The stub is checked against it by the compiler.
 */
export type CubeRpc = Pick<
  CubeObject,
  | "addMemories" | "addMessages" | "getJob" | "startJob" | "planJob" | "completeJob" | "applyFeedback" | "entities" | "failJob" | "getMemory" | "history"
  | "listMemories" | "updateMemory" | "deleteMemory" | "deleteScope" | "search" | "stats" | "drain" | "close" | "destroy"
>;

export function cubeStub(env: Env, identity: CubeIdentity): CubeRpc {
  // The object name carries the tenant, so two tenants can never reach the same object.
  return env.CUBE.get(env.CUBE.idFromName(`${identity.tenant_id}/${identity.cube_id}`));
}

export function unwrap<T>(result: CubeResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.error.code, result.error.message, result.error.details);
}

export interface CubeTarget {
  cube_id?: string | undefined;
  user_id?: string | undefined;
}

/** The cube id a target names: `cube_id`, else the user's cube. */
function targetCubeId(target: CubeTarget): string {
  const cubeId = target.cube_id ?? (target.user_id !== undefined ? userCubeId(target.user_id) : undefined);
  if (!cubeId) throw new ApiError("invalid_request", "give user_id or cube_id");
  return cubeId;
}

/** The cube a request reads: `cube_id` if given, else the user's cube; it must exist in the caller's tenant. */
export async function resolveCube(registry: CubeRegistry, tenantId: string, target: CubeTarget): Promise<CubeIdentity> {
  const identity = { tenant_id: tenantId, cube_id: targetCubeId(target) };
  if (await registry.exists(identity)) return identity;
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
export async function resolveWriteTarget(registry: CubeRegistry, tenantId: string, target: CubeTarget): Promise<WriteTarget> {
  const identity = { tenant_id: tenantId, cube_id: targetCubeId(target) };
  if (await registry.exists(identity)) return { identity, register: async () => {} };
  if (target.cube_id !== undefined || target.user_id === undefined) throw new ApiError("not_found", `cube ${identity.cube_id} not found`);
  return {
    identity,
    register: async () => {
      await registry.register(identity, { owner_user_id: target.user_id });
    },
  };
}
