// Mapping between the cube's SQLite rows and domain Memory objects.
import type { Memory, MemoryState, MemoryType, Metadata } from "../../src/memory/types";
import type { CubeIdentity } from "../../src/memory/cube-contract";

export interface MemoryRow extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  user_id: string | null;
  agent_id: string | null;
  session_id: string | null;
  text: string;
  type: string;
  tags: string;
  entities: string;
  metadata: string;
  importance: number;
  state: string;
  version: number;
  hash: string;
  created_at: number;
  updated_at: number;
  valid_from: number;
  valid_to: number | null;
  event_time: number | null;
  source_message_ids: string;
  seen_count: number;
  last_seen_at: number;
  access_count: number;
  last_access_at: number | null;
}

export const MEMORY_COLUMNS =
  "seq, id, user_id, agent_id, session_id, text, type, tags, entities, metadata, importance, state, version, hash, created_at, updated_at, valid_from, valid_to, event_time, source_message_ids, seen_count, last_seen_at, access_count, last_access_at";

export function rowToMemory(row: MemoryRow, identity: CubeIdentity): Memory {
  return {
    id: row.id,
    tenant_id: identity.tenant_id,
    cube_id: identity.cube_id,
    user_id: row.user_id,
    agent_id: row.agent_id,
    session_id: row.session_id,
    text: row.text,
    type: row.type as MemoryType,
    tags: JSON.parse(row.tags) as string[],
    entities: JSON.parse(row.entities) as string[],
    metadata: JSON.parse(row.metadata) as Metadata,
    importance: row.importance,
    state: row.state as MemoryState,
    version: row.version,
    hash: row.hash,
    created_at: row.created_at,
    updated_at: row.updated_at,
    valid_from: row.valid_from,
    valid_to: row.valid_to,
    event_time: row.event_time,
    source_message_ids: JSON.parse(row.source_message_ids) as string[],
    seen_count: row.seen_count,
    last_seen_at: row.last_seen_at,
  };
}
