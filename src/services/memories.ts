// Reading and editing memories by id or scope: where a memory lives, listings, and edits as versions.
import { z } from "zod";
import { ApiError } from "../errors";
import type { CubeIdentity, Idempotency, ListResult } from "../memory/cube-contract";
import type { Memory, MemoryState } from "../memory/types";
import { contentHash } from "../memory/text";
import { decodeCursor, encodeCursor } from "../api/cursor";
import { resolveCube, unwrap } from "./cubes";
import type { Deps } from "./deps";
import { locateMemory } from "./memory-catalog";

/** The cube of a memory: the cube the caller names, else the one its id names (or, for older ids, the catalog). */
export async function locate(deps: Deps, tenant: string, id: string, hint: { cube_id?: string | undefined; user_id?: string | undefined }): Promise<CubeIdentity> {
  if (hint.cube_id !== undefined || hint.user_id !== undefined) return resolveCube(deps.registry, tenant, hint);
  const cubeId = await locateMemory(deps, tenant, id);
  if (!cubeId) throw new ApiError("not_found", `memory ${id} not found`);
  return { tenant_id: tenant, cube_id: cubeId };
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
export async function listMemories(deps: Deps, tenant: string, q: ListQuery): Promise<{ memories: Memory[]; next_cursor: string | null }> {
  const created_after = q.created_after ? Date.parse(q.created_after) : undefined;
  const created_before = q.created_before ? Date.parse(q.created_before) : undefined;
  if (q.cube_id === undefined && q.user_id === undefined) {
    const after = q.cursor ? decodeCursor(q.cursor, z.object({ c: z.number(), i: z.string() })) : undefined;
    const { rows, last } = await deps.catalog.list(tenant, { ...q, created_after, created_before, after });
    return { memories: rows, next_cursor: last ? encodeCursor(last) : null };
  }
  const after = q.cursor ? decodeCursor(q.cursor, z.object({ s: z.number().int() })) : undefined;
  const identity = await resolveCube(deps.registry, tenant, q);
  const filter = { user_id: q.user_id, agent_id: q.agent_id, session_id: q.session_id, tags: q.tags, state: q.state, created_after, created_before };
  const page: ListResult = unwrap(await deps.cube(identity).listMemories({ identity, filter, limit: q.limit, after_seq: after?.s ?? null }));
  return { memories: page.memories, next_cursor: page.next_seq === null ? null : encodeCursor({ s: page.next_seq }) };
}

export interface MemoryEdit {
  text?: string | undefined;
  type?: Memory["type"] | undefined;
  tags?: string[] | undefined;
  metadata?: Record<string, unknown> | undefined;
  importance?: number | undefined;
  state?: "active" | "archived" | undefined;
  expected_version?: number | undefined;
}

/** Writes a new version of a memory (a new text is embedded here, never in the cube). */
export async function editMemory(deps: Deps, identity: CubeIdentity, id: string, edit: MemoryEdit, idempotency: Idempotency | undefined): Promise<Memory> {
  const { expected_version, text, ...rest } = edit;
  const patch: Record<string, unknown> = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  const { embedder } = deps;
  if (text !== undefined) {
    const [vector] = await embedder.embed([text]);
    Object.assign(patch, { text, hash: await contentHash(text), ...(vector ? { vector } : {}) });
  }
  const reason = edit.state === "archived" ? "archive" : edit.state === "active" ? "restore" : "edit";
  return unwrap(await deps.cube(identity).updateMemory({ identity, id, expected_version: expected_version ?? null, patch, embedder: embedder.id, reason, idempotency }));
}
