// Outbox sink that mirrors a cube's memories into D1's tenant-wide catalog, idempotently.
import { drizzle } from "drizzle-orm/d1";
import { and, eq, inArray } from "drizzle-orm";
import { memories as catalog } from "../../src/db/schema";
import type { Memory } from "../../src/memory/types";
import type { OutboxSink } from "./outbox";

function toRow(m: Memory): typeof catalog.$inferInsert {
  return {
    id: m.id,
    tenantId: m.tenant_id,
    cubeId: m.cube_id,
    userId: m.user_id,
    agentId: m.agent_id,
    sessionId: m.session_id,
    text: m.text,
    type: m.type,
    tags: JSON.stringify(m.tags),
    entities: JSON.stringify(m.entities),
    metadata: JSON.stringify(m.metadata),
    importance: m.importance,
    state: m.state,
    version: m.version,
    hash: m.hash,
    createdAt: m.created_at,
    updatedAt: m.updated_at,
    validFrom: m.valid_from,
    validTo: m.valid_to,
    eventTime: m.event_time,
    sourceMessageIds: JSON.stringify(m.source_message_ids),
  };
}

const COLUMNS = [
  "id", "tenant_id", "cube_id", "user_id", "agent_id", "session_id", "text", "type", "tags", "entities", "metadata",
  "importance", "state", "version", "hash", "created_at", "updated_at", "valid_from", "valid_to", "event_time", "source_message_ids",
] as const;

// One prepared statement text for every row: D1 binds at most 100 parameters, and a plain
// statement skips the query builder's cost on a path that runs for every change.
const UPSERT = `INSERT INTO memories (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT(id) DO UPDATE SET ${COLUMNS.slice(1).map((c) => `${c} = excluded.${c}`).join(", ")}
  WHERE memories.tenant_id = excluded.tenant_id`;

function values(m: Memory): Array<string | number | null> {
  const r = toRow(m);
  return [r.id, r.tenantId, r.cubeId, r.userId ?? null, r.agentId ?? null, r.sessionId ?? null, r.text, r.type, r.tags, r.entities, r.metadata, r.importance, r.state, r.version, r.hash, r.createdAt, r.updatedAt, r.validFrom, r.validTo ?? null, r.eventTime ?? null, r.sourceMessageIds];
}

export class D1CatalogSink implements OutboxSink {
  readonly needsVectors = false;
  readonly name = "d1";
  private readonly db;

  constructor(
    private readonly d1: D1Database,
    private readonly tenantId: string,
  ) {
    this.db = drizzle(d1);
  }

  async upsert(memories: Memory[]): Promise<void> {
    // A row of another tenant with the same id is never overwritten (the WHERE of the upsert).
    const stmt = this.d1.prepare(UPSERT);
    if (memories.length) await this.d1.batch(memories.map((m) => stmt.bind(...values(m))));
  }

  async delete(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 90) {
      const chunk = ids.slice(i, i + 90);
      await this.db.delete(catalog).where(and(eq(catalog.tenantId, this.tenantId), inArray(catalog.id, chunk)));
    }
  }
}
