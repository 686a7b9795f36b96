// Who may touch a cube: a key's limits (cubes, users, agents) and the grants on the cube, as pure decisions.
import { z } from "zod";
import { cubeIdSchema, scopeIdSchema } from "../memory/cube-contract";

/** At most this many ids per limit of a key. */
export const MAX_LIMIT_IDS = 50;

/**
 * What a key may reach besides its scopes. Each given dimension narrows the key (they combine
 * with AND); a key without limits reaches every cube of its tenant.
 * - `cube_ids`: only these cubes (and cubes granted to them);
 * - `user_ids`: only cubes owned by these users (a user's cube `user:<id>` is owned by that user);
 * - `agent_ids`: only these agents' memories, besides memories of no agent; cubes owned by another agent are out.
 */
export const keyLimitsSchema = z
  .strictObject({
    cube_ids: z.array(cubeIdSchema).min(1).max(MAX_LIMIT_IDS).optional(),
    user_ids: z.array(scopeIdSchema).min(1).max(MAX_LIMIT_IDS).optional(),
    agent_ids: z.array(scopeIdSchema).min(1).max(MAX_LIMIT_IDS).optional(),
  })
  .refine((l) => l.cube_ids !== undefined || l.user_ids !== undefined || l.agent_ids !== undefined, "give at least one of cube_ids, user_ids, agent_ids");
export type KeyLimits = z.infer<typeof keyLimitsSchema>;

export const GRANTEE_KINDS = ["user", "agent", "cube"] as const;
export type GranteeKind = (typeof GRANTEE_KINDS)[number];
export const PERMISSIONS = ["read", "write"] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface CubeOwner {
  id: string;
  owner_user_id: string | null;
  owner_agent_id: string | null;
}

export interface GrantFact {
  grantee_kind: GranteeKind;
  grantee_id: string;
  permission: Permission;
}

/** What a decision allows: nothing; or the cube, with `visible_agents` (null: every memory; else memories of no agent or of these agents). */
export type Decision =
  | { allowed: false; known: boolean }
  | { allowed: true; via: "tenant" | "own" | "grant"; visible_agents: string[] | null };

const includes = (list: readonly string[] | undefined, v: string | null): boolean => list === undefined || (v !== null && list.includes(v));

/** Whether the cube is the key's own under its limits, and with which agent visibility. */
function ownership(limits: KeyLimits, cube: CubeOwner): { own: boolean; visible_agents: string[] | null } {
  if (limits.cube_ids !== undefined && !limits.cube_ids.includes(cube.id)) return { own: false, visible_agents: null };
  if (limits.user_ids !== undefined && !includes(limits.user_ids, cube.owner_user_id)) return { own: false, visible_agents: null };
  if (limits.agent_ids === undefined) return { own: true, visible_agents: null };
  // A cube made for another agent is out; a shared (user's or named) cube shows only this key's agents' memories.
  if (cube.owner_agent_id !== null) return { own: limits.agent_ids.includes(cube.owner_agent_id), visible_agents: null };
  return { own: true, visible_agents: limits.agent_ids };
}

/** Whether one of the cube's grants names the key (one of its cubes, users or agents). */
export function grantMatches(limits: KeyLimits, grant: GrantFact): boolean {
  const list = grant.grantee_kind === "user" ? limits.user_ids : grant.grantee_kind === "agent" ? limits.agent_ids : limits.cube_ids;
  return list !== undefined && list.includes(grant.grantee_id);
}

/**
 * Whether a key with these limits may read or write the cube. Its own cubes it may read and
 * write (scopes permitting); another cube only through a live grant that names it, read or
 * write (write implies read). `known` says whether the key may learn that the cube exists (a
 * read grant asked to write: 403, not 404).
 */
export function decide(limits: KeyLimits | null, cube: CubeOwner, grants: readonly GrantFact[], need: Permission): Decision {
  if (limits === null) return { allowed: true, via: "tenant", visible_agents: null };
  const mine = ownership(limits, cube);
  const matching = grants.filter((g) => grantMatches(limits, g));
  const granted = matching.some((g) => g.permission === "write" || need === "read");
  // A grant widens even an own cube's view: an agent granted its user's cube sees every agent's memories.
  if (mine.own) return granted ? { allowed: true, via: "own", visible_agents: null } : { allowed: true, via: "own", visible_agents: mine.visible_agents };
  if (granted) return { allowed: true, via: "grant", visible_agents: null };
  return { allowed: false, known: matching.length > 0 };
}

/** Whether a memory of `agentId` is visible under `visible` (null: all). */
export const agentVisible = (visible: readonly string[] | null, agentId: string | null): boolean =>
  visible === null || agentId === null || visible.includes(agentId);

/**
 * The agent a write by a limited key lands under: the one it names, which must be the key's; with
 * none named, the key's only agent. Null when the key has no agent limit and the write names none.
 */
export function writeAgent(limits: KeyLimits | null, named: string | undefined): { ok: true; agent_id: string | undefined } | { ok: false; message: string } {
  const agents = limits?.agent_ids;
  if (agents === undefined) return { ok: true, agent_id: named };
  if (named !== undefined) return agents.includes(named) ? { ok: true, agent_id: named } : { ok: false, message: `this key may not write as agent ${named}` };
  if (agents.length === 1) return { ok: true, agent_id: agents[0] };
  return { ok: false, message: "this key is limited to several agents: give agent_id" };
}

/** A key that is limited in any way cannot hold the admin scope: admin could mint itself an unlimited key. */
export function limitsAllowScopes(limits: KeyLimits | null, scopes: readonly string[]): boolean {
  return limits === null || !scopes.includes("admin");
}
