// Granting, listing and revoking access to a cube: only its owner may, and only within the tenant.
import { ApiError } from "../errors";
import type { GranteeKind, Permission } from "../governance/access";
import type { Principal } from "./access";
import { ownCube } from "./cube-registry";
import type { Deps } from "./deps";
import type { GrantRecord } from "./grants";
import { actorOf } from "./audit";

/** Most live grants one cube may carry. */
export const MAX_GRANTS_PER_CUBE = 200;

export async function createGrant(deps: Deps, who: Principal, cubeId: string, g: { grantee_kind: GranteeKind; grantee_id: string; permission: Permission }): Promise<{ grant: GrantRecord; created: boolean }> {
  const identity = await ownCube(deps, who, cubeId);
  if (g.grantee_kind === "cube") {
    if (g.grantee_id === cubeId) throw new ApiError("invalid_request", "a cube cannot be granted to itself");
    // The grantee cube must be the tenant's; another tenant's cube id is simply not found.
    if (!(await deps.registry.exists({ tenant_id: who.tenant_id, cube_id: g.grantee_id }))) throw new ApiError("not_found", `cube ${g.grantee_id} not found`);
  }
  const live = await deps.grants.onCube(who.tenant_id, identity.cube_id);
  const same = live.some((l) => l.grantee_kind === g.grantee_kind && l.grantee_id === g.grantee_id);
  if (!same && live.length >= MAX_GRANTS_PER_CUBE) throw new ApiError("conflict", `cube ${cubeId} already has ${MAX_GRANTS_PER_CUBE} live grants: revoke some first`);
  const granted = await deps.grants.grant(who.tenant_id, { cube_id: identity.cube_id, ...g, created_by: who.key_id });
  await deps.audit?.record(who.tenant_id, actorOf(who), { action: "grant.create", target_ids: [granted.grant.id, identity.cube_id, g.grantee_id] });
  return granted;
}

export async function grantsOf(deps: Deps, who: Principal, cubeId: string, includeRevoked: boolean): Promise<GrantRecord[]> {
  const identity = await ownCube(deps, who, cubeId);
  const rows = await deps.grants.history(who.tenant_id, identity.cube_id);
  return includeRevoked ? rows : rows.filter((r) => r.revoked_at === null);
}

export async function revokeGrant(deps: Deps, who: Principal, cubeId: string, grantId: string): Promise<GrantRecord> {
  const identity = await ownCube(deps, who, cubeId);
  const revoked = await deps.grants.revoke(who.tenant_id, identity.cube_id, grantId);
  if (!revoked) throw new ApiError("not_found", `grant ${grantId} not found`);
  await deps.audit?.record(who.tenant_id, actorOf(who), { action: "grant.revoke", target_ids: [revoked.id, identity.cube_id] });
  return revoked;
}

export async function grantsReceived(deps: Deps, who: Principal): Promise<GrantRecord[]> {
  return who.limits === null ? deps.grants.all(who.tenant_id, MAX_GRANTS_PER_CUBE * 5) : deps.grants.received(who.tenant_id, who.limits);
}
