// A memory as the stores keep it (the cube's SQLite and D1's catalog): one set of snake_case
// columns, lists and metadata as JSON text; the one mapping between that and a Memory.
import type { Memory, MemoryState, MemoryType, Metadata } from "./types";

/** The columns both stores hold for a memory, in this order. */
export const RECORD_COLUMNS = [
  "id", "tenant_id", "cube_id", "user_id", "agent_id", "session_id", "text", "type", "tags", "entities", "metadata",
  "importance", "state", "version", "hash", "created_at", "updated_at", "valid_from", "valid_to", "event_time", "source_message_ids",
  "expires_at",
] as const;

export interface MemoryRecord {
  id: string;
  tenant_id: string;
  cube_id: string;
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
  expires_at: number | null;
}

export function toRecord(m: Memory): MemoryRecord {
  return {
    id: m.id,
    tenant_id: m.tenant_id,
    cube_id: m.cube_id,
    user_id: m.user_id,
    agent_id: m.agent_id,
    session_id: m.session_id,
    text: m.text,
    type: m.type,
    tags: JSON.stringify(m.tags),
    entities: JSON.stringify(m.entities),
    metadata: JSON.stringify(m.metadata),
    importance: m.importance,
    state: m.state,
    version: m.version,
    hash: m.hash,
    created_at: m.created_at,
    updated_at: m.updated_at,
    valid_from: m.valid_from,
    valid_to: m.valid_to,
    event_time: m.event_time,
    source_message_ids: JSON.stringify(m.source_message_ids),
    expires_at: m.expires_at ?? null,
  };
}

/** A stored record as a Memory; `seen` comes from the cube, which alone counts repeats (the catalog reads once). */
export function fromRecord(r: MemoryRecord, seen: { seen_count: number; last_seen_at: number } = { seen_count: 1, last_seen_at: r.updated_at }): Memory {
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    cube_id: r.cube_id,
    user_id: r.user_id,
    agent_id: r.agent_id,
    session_id: r.session_id,
    text: r.text,
    type: r.type as MemoryType,
    tags: JSON.parse(r.tags) as string[],
    entities: JSON.parse(r.entities) as string[],
    metadata: JSON.parse(r.metadata) as Metadata,
    importance: r.importance,
    state: r.state as MemoryState,
    version: r.version,
    hash: r.hash,
    created_at: r.created_at,
    updated_at: r.updated_at,
    valid_from: r.valid_from,
    valid_to: r.valid_to,
    event_time: r.event_time,
    source_message_ids: JSON.parse(r.source_message_ids) as string[],
    seen_count: seen.seen_count,
    last_seen_at: seen.last_seen_at,
    expires_at: r.expires_at ?? null,
  };
}
