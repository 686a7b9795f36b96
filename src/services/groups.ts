// Hub groups: an administrator names sets of the tenant's users and agents; listings may be shared with one.
import { ApiError } from "../errors";
import { HUB_LIMITS, type GroupMember, type HubGroup } from "../memory/hub/types";
import { hubViewer, viewerMembers } from "../memory/hub/visibility";
import type { Principal } from "./access";
import { actorOf } from "./audit";
import type { Deps } from "./deps";
import type { HubStore } from "./hub-store";

/** A caller of the hub: the principal and the scopes of its key. */
export interface HubCaller extends Principal {
  scopes: readonly string[];
}

/** The hub's dependencies: the flows' and the hub's D1 store. */
export interface HubDeps extends Deps {
  hub: HubStore;
}

export const isAdmin = (who: HubCaller) => who.scopes.includes("admin");

function assertAdmin(who: HubCaller): void {
  if (!isAdmin(who)) throw new ApiError("forbidden", "managing groups needs the admin scope");
}

export async function createGroup(deps: HubDeps, who: HubCaller, body: { name: string; description?: string | undefined }): Promise<{ group: HubGroup; created: boolean }> {
  assertAdmin(who);
  if ((await deps.hub.countGroups(who.tenant_id)) >= HUB_LIMITS.groupsPerTenant) {
    const same = (await deps.hub.listGroups(who.tenant_id, null, HUB_LIMITS.groupsPerTenant)).find((g) => g.name === body.name);
    if (!same) throw new ApiError("conflict", `the tenant already has ${HUB_LIMITS.groupsPerTenant} groups: delete some first`);
  }
  const out = await deps.hub.createGroup(who.tenant_id, { name: body.name, description: body.description ?? null, created_by: who.key_id });
  if (out.created) await deps.audit?.record(who.tenant_id, actorOf(who), { action: "group.create", target_ids: [out.group.id] });
  return out;
}

/** Groups the caller sees: all of them for an administrator, else those its users or agents belong to. */
export async function listGroups(deps: HubDeps, who: HubCaller): Promise<HubGroup[]> {
  if (isAdmin(who) || who.limits === null) return deps.hub.listGroups(who.tenant_id, null, HUB_LIMITS.groupsPerTenant);
  const mine = await deps.hub.groupsOf(who.tenant_id, viewerMembers(hubViewer(who.key_id, who.limits, who.scopes)));
  return mine.length ? deps.hub.listGroups(who.tenant_id, mine, HUB_LIMITS.groupsPerTenant) : [];
}

/** A group with its members, for an administrator, a tenant-wide key or a member (404 otherwise). */
export async function getGroup(deps: HubDeps, who: HubCaller, id: string): Promise<HubGroup & { members: GroupMember[] }> {
  const group = await deps.hub.getGroup(who.tenant_id, id);
  if (!group) throw new ApiError("not_found", `group ${id} not found`);
  if (!isAdmin(who) && who.limits !== null) {
    const mine = await deps.hub.groupsOf(who.tenant_id, viewerMembers(hubViewer(who.key_id, who.limits, who.scopes)));
    if (!mine.includes(id)) throw new ApiError("not_found", `group ${id} not found`);
  }
  return { ...group, members: await deps.hub.members(who.tenant_id, id) };
}

/** Deletes a group, its members and the listings shared with it (their vectors too). */
export async function deleteGroup(deps: HubDeps, who: HubCaller, id: string): Promise<{ id: string; deleted: true; listings_removed: number }> {
  assertAdmin(who);
  if (!(await deps.hub.getGroup(who.tenant_id, id))) throw new ApiError("not_found", `group ${id} not found`);
  const listings = await deps.hub.deleteGroup(who.tenant_id, id);
  if (deps.vectorIndex && listings.length) await deps.vectorIndex.deleteByIds(listings);
  await deps.audit?.record(who.tenant_id, actorOf(who), { action: "group.delete", target_ids: [id, ...listings] });
  return { id, deleted: true, listings_removed: listings.length };
}

export async function addMembers(deps: HubDeps, who: HubCaller, id: string, members: GroupMember[]): Promise<HubGroup & { members: GroupMember[]; added: number }> {
  assertAdmin(who);
  if (!(await deps.hub.getGroup(who.tenant_id, id))) throw new ApiError("not_found", `group ${id} not found`);
  const current = await deps.hub.members(who.tenant_id, id);
  const fresh = members.filter((m) => !current.some((c) => c.kind === m.kind && c.id === m.id));
  if (current.length + fresh.length > HUB_LIMITS.membersPerGroup) throw new ApiError("conflict", `a group holds at most ${HUB_LIMITS.membersPerGroup} members`);
  const added = await deps.hub.addMembers(who.tenant_id, id, fresh);
  if (added > 0) await deps.audit?.record(who.tenant_id, actorOf(who), { action: "group.members_add", target_ids: [id, ...fresh.map((m) => `${m.kind}:${m.id}`)] });
  return { ...(await getGroup(deps, who, id)), added };
}

export async function removeMembers(deps: HubDeps, who: HubCaller, id: string, members: GroupMember[]): Promise<HubGroup & { members: GroupMember[]; removed: number }> {
  assertAdmin(who);
  if (!(await deps.hub.getGroup(who.tenant_id, id))) throw new ApiError("not_found", `group ${id} not found`);
  const removed = await deps.hub.removeMembers(who.tenant_id, id, members);
  if (removed > 0) await deps.audit?.record(who.tenant_id, actorOf(who), { action: "group.members_remove", target_ids: [id, ...members.map((m) => `${m.kind}:${m.id}`)] });
  return { ...(await getGroup(deps, who, id)), removed };
}
