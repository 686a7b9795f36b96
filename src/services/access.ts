// Authorization of every cube a request reaches: scopes are checked by the route; here the key's
// limits and the cube's grants decide, and answer what the caller may see inside the cube.
import { ApiError } from "../errors";
import { agentVisible, decide, type CubeOwner, type KeyLimits, type Permission } from "../governance/access";
import { USER_CUBE_PREFIX, type CubeIdentity } from "../memory/cube-contract";
import type { Memory } from "../memory/types";
import type { Deps } from "./deps";
import type { CubeRecord } from "./registry";

/** Who is asking: the tenant, the key and what the key is limited to (null: the whole tenant). */
export interface Principal {
  tenant_id: string;
  key_id: string;
  limits: KeyLimits | null;
  /** The request, recorded with the key in the audit log. */
  request_id?: string | null;
}

/** The identity of a cube as the caller reaches it, with the caller as actor for the cube's audit log. */
export function cubeIdentity(who: Principal, cubeId: string): CubeIdentity {
  return { tenant_id: who.tenant_id, cube_id: cubeId, actor: { key_id: who.key_id, request_id: who.request_id ?? null } };
}

/** A cube the caller may use, and which memories in it it sees (null: all; else no agent's and these agents'). */
export interface Reach {
  identity: CubeIdentity;
  visible_agents: string[] | null;
  /** How the cube is reached: the tenant-wide key, the key's own cube, or a grant. */
  via: "tenant" | "own" | "grant";
}

export interface CubeTarget {
  cube_id?: string | undefined;
  user_id?: string | undefined;
}

/** The cube of a user, created on first write: `user:<user_id>`. */
export const userCubeId = (userId: string) => `${USER_CUBE_PREFIX}${userId}`;

/** The cube id a target names: `cube_id`, else the user's cube. */
export function targetCubeId(target: CubeTarget): string {
  const cubeId = target.cube_id ?? (target.user_id !== undefined ? userCubeId(target.user_id) : undefined);
  if (!cubeId) throw new ApiError("invalid_request", "give user_id or cube_id");
  return cubeId;
}

const owner = (r: CubeRecord): CubeOwner => ({ id: r.id, owner_user_id: r.owner_user_id, owner_agent_id: r.owner_agent_id });

/** Decides on a registered cube; grants are read only when the cube is not the key's own. */
async function decideOn(deps: Deps, who: Principal, cube: CubeOwner, need: Permission): Promise<Reach> {
  const identity = cubeIdentity(who, cube.id);
  let d = decide(who.limits, cube, [], need);
  // Grants matter when the cube is not the key's own, or is but seen through an agent filter.
  if (!d.allowed || d.visible_agents !== null) d = decide(who.limits, cube, await deps.grants.onCube(who.tenant_id, cube.id), need);
  if (d.allowed) return { identity, visible_agents: d.visible_agents, via: d.via };
  if (d.known) throw new ApiError("forbidden", `this key may only read cube ${cube.id}`);
  throw new ApiError("not_found", `cube ${cube.id} not found`);
}

/** The cube a request names, which must exist in the caller's tenant and be within its reach (404 otherwise: no existence leaks). */
export async function reachCube(deps: Deps, who: Principal, target: CubeTarget, need: Permission): Promise<Reach> {
  const identity = cubeIdentity(who, targetCubeId(target));
  if (who.limits === null) {
    if (await deps.registry.exists(identity)) return { identity, visible_agents: null, via: "tenant" };
    throw new ApiError("not_found", `cube ${identity.cube_id} not found`);
  }
  const record = await deps.registry.get(identity);
  if (!record) throw new ApiError("not_found", `cube ${identity.cube_id} not found`);
  return decideOn(deps, who, owner(record), need);
}

export interface WriteTarget extends Reach {
  /** Registers a user's cube created by this write; call it once the cube has accepted the write. */
  register(): Promise<void>;
}

/**
 * The cube a write goes to. A user's cube is created by its first write, but registered in D1
 * only after the cube object accepted that write: a request the cube refuses leaves nothing
 * behind. A named cube must have been created first. A limited key creates only its own users' cubes.
 */
export async function reachWrite(deps: Deps, who: Principal, target: CubeTarget): Promise<WriteTarget> {
  const identity = cubeIdentity(who, targetCubeId(target));
  const record = who.limits === null ? ((await deps.registry.exists(identity)) ? true : null) : await deps.registry.get(identity);
  if (record === true) return { identity, visible_agents: null, via: "tenant", register: async () => {} };
  if (record) return { ...(await decideOn(deps, who, owner(record), "write")), register: async () => {} };
  if (target.cube_id !== undefined || target.user_id === undefined) throw new ApiError("not_found", `cube ${identity.cube_id} not found`);
  const userId = target.user_id;
  const d = decide(who.limits, { id: identity.cube_id, owner_user_id: userId, owner_agent_id: null }, [], "write");
  if (!d.allowed) throw new ApiError("not_found", `cube ${identity.cube_id} not found`);
  return {
    identity,
    visible_agents: d.visible_agents,
    via: d.via,
    register: async () => {
      await deps.registry.register(identity, { owner_user_id: userId });
    },
  };
}

/** Refuses (404, as if absent) a memory outside the caller's agent visibility. */
export function assertVisible(reach: Reach, memory: Pick<Memory, "id" | "agent_id">): void {
  if (!agentVisible(reach.visible_agents, memory.agent_id)) throw new ApiError("not_found", `memory ${memory.id} not found`);
}

/**
 * Every cube a tenant-wide read by this caller covers, at most `max`: null for a key without
 * limits (the whole tenant, paged by the fan-out); else its own cubes and those granted to it.
 */
export async function reachableCubes(deps: Deps, who: Principal, max: number): Promise<Reach[] | null> {
  if (who.limits === null) return null;
  const own = await deps.registry.owned(who.tenant_id, who.limits, max);
  const reach = new Map<string, Reach>();
  const received = await deps.grants.received(who.tenant_id, who.limits);
  for (const r of own) {
    const d = decide(who.limits, owner(r), received.filter((g) => g.cube_id === r.id), "read");
    if (d.allowed) reach.set(r.id, { identity: cubeIdentity(who, r.id), visible_agents: d.visible_agents, via: d.via });
  }
  for (const g of received) {
    // A grant shows the whole cube, even where the key's own view of it is narrower.
    if (reach.size >= max && !reach.has(g.cube_id)) continue;
    reach.set(g.cube_id, { identity: cubeIdentity(who, g.cube_id), visible_agents: null, via: "grant" });
  }
  return [...reach.values()].sort((a, b) => (a.identity.cube_id < b.identity.cube_id ? -1 : 1)).slice(0, max);
}
