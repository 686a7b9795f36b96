// Mapping between the cube's SQLite rows and domain Memory objects.
import type { Memory } from "../../src/memory/types";
import { fromRecord, type MemoryRecord } from "../../src/memory/memory-record";
import type { CubeIdentity } from "../../src/memory/cube-contract";

/** A row of the cube's memories table: the stored record (without tenant and cube, which the cube is) and the cube's own counters. */
export interface MemoryRow extends Omit<MemoryRecord, "tenant_id" | "cube_id">, Record<string, SqlStorageValue> {
  seq: number;
  seen_count: number;
  last_seen_at: number;
  access_count: number;
  last_access_at: number | null;
}

export const MEMORY_COLUMNS =
  "seq, id, user_id, agent_id, session_id, text, type, tags, entities, metadata, importance, state, version, hash, created_at, updated_at, valid_from, valid_to, event_time, source_message_ids, seen_count, last_seen_at, access_count, last_access_at, expires_at";

/** The cube's row as a Memory of `identity` (the cube's rows do not repeat the tenant and cube). */
export function rowToMemory(row: MemoryRow, identity: CubeIdentity): Memory {
  return fromRecord({ ...row, tenant_id: identity.tenant_id, cube_id: identity.cube_id }, row);
}
