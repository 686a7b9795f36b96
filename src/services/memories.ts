// Reading and editing memories by id or scope: where a memory lives, listings, and edits as versions.
import { z } from "zod";
import { ApiError } from "../errors";
import type { CubeIdentity, Idempotency, ListResult } from "../memory/cube-contract";
import type { Memory, MemoryState } from "../memory/types";
import { contentHash } from "../memory/text";
import { requestedExpiry } from "../memory/lifecycle";
import { decodeCursor, encodeCursor } from "../api/cursor";
import { unwrap } from "./cubes";
import { assertVisible, reachableCubes, reachCube, type Principal, type Reach } from "./access";
import { writeAgent, type Permission } from "../governance/access";
import { MAX_FANOUT } from "./fanout";
import { actorOf } from "./audit";
import type { Deps } from "./deps";
import { locateMemory } from "./memory-catalog";
import { maskForCube } from "./privacy";

/**
 * The cube of a memory, within the caller's reach: the cube the caller names, else the one its id
 * names (or, for older ids, the catalog).
 */
export async function locate(deps: Deps, who: Principal, id: string, hint: { cube_id?: string | undefined; user_id?: string | undefined }, need: Permission): Promise<Reach> {
  if (hint.cube_id !== undefined || hint.user_id !== undefined) return reachCube(deps, who, hint, need);
  const cubeId = await locateMemory(deps, who.tenant_id, id);
  if (!cubeId) throw new ApiError("not_found", `memory ${id} not found`);
  try {
    return await reachCube(deps, who, { cube_id: cubeId }, need);
  } catch (err) {
    // A memory of a cube out of reach is not found: its id must not tell that the cube exists.
    if (err instanceof ApiError && err.code === "not_found") throw new ApiError("not_found", `memory ${id} not found`);
    throw err;
  }
}

type Hint = { cube_id?: string | undefined; user_id?: string | undefined };

/** A memory by id, within the caller's reach and agent visibility. */
export async function getVisible(deps: Deps, reach: Reach, id: string): Promise<Memory> {
  const memory = unwrap(await deps.cube(reach.identity).getMemory(reach.identity, id));
  assertVisible(reach, memory);
  return memory;
}

/** One memory for the caller. */
export async function readMemory(deps: Deps, who: Principal, id: string, hint: Hint): Promise<Memory> {
  return getVisible(deps, await locate(deps, who, id, hint, "read"), id);
}

/** Every version of a memory for the caller, oldest first. */
export async function memoryHistory(deps: Deps, who: Principal, id: string, hint: Hint) {
  const reach = await locate(deps, who, id, hint, "read");
  if (reach.visible_agents !== null) await getVisible(deps, reach, id);
  return unwrap(await deps.cube(reach.identity).history(reach.identity, id));
}

/** Every version of a memory checked against its provenance signature and text; `ok` when all are signed, valid and intact. */
export async function memoryProvenance(deps: Deps, who: Principal, id: string, hint: Hint) {
  const reach = await locate(deps, who, id, hint, "read");
  if (reach.visible_agents !== null) await getVisible(deps, reach, id);
  const versions = unwrap(await deps.cube(reach.identity).provenance(reach.identity, id));
  return { id, ok: versions.every((v) => v.signature_valid && v.content_matches !== false), versions };
}

/** Edits a memory the caller may write. */
export async function editMemoryFor(deps: Deps, who: Principal, id: string, hint: Hint, edit: MemoryEdit, idempotency: Idempotency | undefined): Promise<Memory> {
  const reach = await locate(deps, who, id, hint, "write");
  if (reach.visible_agents !== null) await getVisible(deps, reach, id);
  return editMemory(deps, reach.identity, id, edit, idempotency);
}

/** Deletes a memory the caller may write. */
export async function deleteMemoryFor(deps: Deps, who: Principal, id: string, hint: Hint, idempotency: Idempotency | undefined): Promise<{ id: string; deleted: boolean }> {
  const reach = await locate(deps, who, id, hint, "write");
  if (reach.visible_agents !== null) await getVisible(deps, reach, id);
  return unwrap(await deps.cube(reach.identity).deleteMemory(reach.identity, id, idempotency));
}

export interface ScopeQuery extends Hint {
  agent_id?: string | undefined;
  session_id?: string | undefined;
}

/** Deletes every memory of a scope; a key limited to agents deletes only one of its agents' memories. */
export async function deleteScopeFor(deps: Deps, who: Principal, q: ScopeQuery, idempotency: Idempotency | undefined): Promise<{ deleted: number }> {
  const reach = await reachCube(deps, who, q, "write");
  let agentId = q.agent_id;
  if (reach.visible_agents !== null) {
    const agent = writeAgent({ agent_ids: reach.visible_agents }, q.agent_id);
    if (!agent.ok) throw new ApiError("forbidden", agent.message);
    agentId = agent.agent_id;
  }
  const filter = { user_id: q.user_id, agent_id: agentId, session_id: q.session_id };
  return unwrap(await deps.cube(reach.identity).deleteScope(reach.identity, filter, idempotency));
}

export interface ListQuery {
  user_id?: string | undefined;
  agent_id?: string | undefined;
  session_id?: string | undefined;
  cube_id?: string | undefined;
  tags?: string[] | undefined;
  state?: MemoryState | undefined;
  created_after?: string | undefined;
  created_before?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** A cube's memories (user_id or cube_id) newest first, or the tenant's from the catalog; cursor paged. */
export async function listMemories(deps: Deps, who: Principal, q: ListQuery): Promise<{ memories: Memory[]; next_cursor: string | null }> {
  const created_after = q.created_after ? Date.parse(q.created_after) : undefined;
  const created_before = q.created_before ? Date.parse(q.created_before) : undefined;
  if (q.cube_id === undefined && q.user_id === undefined) {
    const after = q.cursor ? decodeCursor(q.cursor, z.object({ c: z.number(), i: z.string() })) : undefined;
    const reach = await reachableCubes(deps, who, MAX_FANOUT);
    const within = reach === null ? undefined : reach.map((r) => ({ cube_id: r.identity.cube_id, visible_agents: r.visible_agents }));
    const { rows, last } = await deps.catalog.list(who.tenant_id, { ...q, created_after, created_before, after, within });
    // Read from D1, not from a cube: the read is recorded in the tenant's chain (ids only).
    if (rows.length > 0) await deps.audit?.record(who.tenant_id, actorOf(who), { action: "memory.list", target_ids: rows.map((m) => m.id) });
    return { memories: rows, next_cursor: last ? encodeCursor(last) : null };
  }
  const after = q.cursor ? decodeCursor(q.cursor, z.object({ s: z.number().int() })) : undefined;
  const reach = await reachCube(deps, who, q, "read");
  const { identity } = reach;
  const filter = { user_id: q.user_id, agent_id: q.agent_id, session_id: q.session_id, tags: q.tags, state: q.state, created_after, created_before, ...visibleFilter(reach) };
  const page: ListResult = unwrap(await deps.cube(identity).listMemories({ identity, filter, limit: q.limit, after_seq: after?.s ?? null }));
  return { memories: page.memories, next_cursor: page.next_seq === null ? null : encodeCursor({ s: page.next_seq }) };
}

/** The cube filter that keeps a reach's agent visibility (nothing to add when it sees every memory). */
export const visibleFilter = (reach: Reach): { visible_agents?: string[] } => (reach.visible_agents === null ? {} : { visible_agents: reach.visible_agents });

export interface MemoryEdit {
  text?: string | undefined;
  type?: Memory["type"] | undefined;
  tags?: string[] | undefined;
  metadata?: Record<string, unknown> | undefined;
  importance?: number | undefined;
  state?: "active" | "archived" | undefined;
  /** A new expiry (ISO time), or null to clear it; or `ttl` seconds from now. */
  expires_at?: string | null | undefined;
  ttl?: number | undefined;
  expected_version?: number | undefined;
}

/** Writes a new version of a memory (a new text is embedded here, never in the cube). */
export async function editMemory(deps: Deps, identity: CubeIdentity, id: string, edit: MemoryEdit, idempotency: Idempotency | undefined): Promise<Memory> {
  const { expected_version, text, expires_at, ttl, ...rest } = edit;
  const patch: Record<string, unknown> = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const expiry = requestedExpiry({ expires_at, ttl }, Date.now());
  if (expiry !== undefined) patch.expires_at = expiry;
  const { embedder } = deps;
  if (text !== undefined) {
    // Desensitized by the cube before it is embedded.
    const [masked = text] = await maskForCube(deps.cube(identity), identity, [text], deps.piiFinder);
    const [vector] = await embedder.embed([masked]);
    Object.assign(patch, { text: masked, hash: await contentHash(masked), ...(vector ? { vector } : {}) });
  }
  const reason = edit.state === "archived" ? "archive" : edit.state === "active" ? "restore" : "edit";
  return unwrap(await deps.cube(identity).updateMemory({ identity, id, expected_version: expected_version ?? null, patch, embedder: embedder.id, reason, idempotency }));
}
