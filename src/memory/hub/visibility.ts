// Who sees which hub listing: approvers everything, publishers their own, others approved listings of the tenant or of their groups.
import type { KeyLimits } from "../../governance/access";
import type { GroupMember, HubListing } from "./types";

/**
 * A caller as the hub sees it. The caller's identities are its key's limits (the users and
 * agents it is limited to), never an id it names in a request: a tenant-wide key (no limits)
 * belongs to no group but sees every approved listing of its tenant.
 */
export interface HubViewer {
  key_id: string;
  /** Holds `hub:admin` (or `admin`): sees and decides every listing of the tenant. */
  approver: boolean;
  /** No limits: every approved listing. */
  tenant_wide: boolean;
  user_ids: string[];
  agent_ids: string[];
}

export function hubViewer(key_id: string, limits: KeyLimits | null, scopes: readonly string[]): HubViewer {
  return {
    key_id,
    approver: scopes.includes("admin") || scopes.includes("hub:admin"),
    tenant_wide: limits === null,
    user_ids: limits?.user_ids ?? [],
    agent_ids: limits?.agent_ids ?? [],
  };
}

/** The group members a viewer counts as (its users and agents). */
export function viewerMembers(v: HubViewer): GroupMember[] {
  return [...v.user_ids.map((id) => ({ kind: "user" as const, id })), ...v.agent_ids.map((id) => ({ kind: "agent" as const, id }))];
}

/** Whether the viewer published the listing: the key that published it, or a key limited to the source cube's owner. */
export function isPublisher(v: HubViewer, l: Pick<HubListing, "publisher_key_id" | "publisher_user_id">): boolean {
  return l.publisher_key_id === v.key_id || (l.publisher_user_id !== null && v.user_ids.includes(l.publisher_user_id));
}

/** Whether an approved listing's audience includes the viewer, given the groups it belongs to. */
export function inAudience(v: HubViewer, l: Pick<HubListing, "visibility">, groups: ReadonlySet<string>): boolean {
  if (v.tenant_wide || v.approver) return true;
  return "tenant" in l.visibility ? true : groups.has(l.visibility.group_id);
}

/** Whether the viewer may see the listing at all: approvers always, publishers always, others only approved and in audience. */
export function canSee(v: HubViewer, l: Pick<HubListing, "status" | "visibility" | "publisher_key_id" | "publisher_user_id">, groups: ReadonlySet<string>): boolean {
  if (v.approver || isPublisher(v, l)) return true;
  return l.status === "approved" && inAudience(v, l, groups);
}
