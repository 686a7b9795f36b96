// Domain types shared by the Worker, the cube object, the queue consumers and the benchmarks.
// Times are integer milliseconds since the epoch here; the API layer converts to ISO 8601.

export const MEMORY_TYPES = [
  "fact",
  "preference",
  "event",
  "plan",
  "procedure",
  "relationship",
  "message",
  "note",
] as const;
export type MemoryType = (typeof MEMORY_TYPES)[number];

export const MEMORY_STATES = ["active", "archived", "deleted"] as const;
export type MemoryState = (typeof MEMORY_STATES)[number];

export type Metadata = Record<string, unknown>;

/** Who a memory (or message) belongs to inside a cube. */
export interface Scope {
  user_id: string | null;
  agent_id: string | null;
  session_id: string | null;
}

/** The current row of one memory. Its id never changes across versions. */
export interface Memory extends Scope {
  id: string;
  tenant_id: string;
  cube_id: string;
  text: string;
  type: MemoryType;
  tags: string[];
  entities: string[];
  metadata: Metadata;
  importance: number; // 0..1
  state: MemoryState;
  version: number;
  hash: string; // SHA-256 hex of normalized text
  created_at: number;
  updated_at: number;
  valid_from: number;
  valid_to: number | null; // null while valid
  event_time: number | null; // when the text says when it happened
  source_message_ids: string[];
  seen_count: number;
  last_seen_at: number;
  /** When it expires (never returned from then on); null or absent (versions written before expiry existed): never. */
  expires_at?: number | null;
}

export type MessageRole = "user" | "assistant" | "system" | "tool";

/** A raw conversation message, stored durably in the cube before anything is derived. */
export interface RawMessage extends Scope {
  id: string;
  role: MessageRole;
  name: string | null; // speaker name, used to resolve first person
  content: string;
  timestamp: number;
}

/** A candidate memory produced by extraction, before organization (dedup) decides its fate. */
export interface CandidateMemory {
  text: string;
  type: MemoryType;
  entities: string[];
  importance: number; // 0..1
  event_time: number | null;
  source_message_ids: string[];
  tags?: string[];
}

export type ChangeReason = "create" | "extract" | "merge" | "update" | "supersede" | "retract" | "edit" | "feedback" | "delete" | "archive" | "restore" | "expire" | "consolidate";
