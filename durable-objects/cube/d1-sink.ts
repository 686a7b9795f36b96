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

export class D1CatalogSink implements OutboxSink {
  readonly name = "d1";
  private readonly db;

  constructor(
    d1: D1Database,
    private readonly tenantId: string,
  ) {
    this.db = drizzle(d1);
  }

  async upsert(memories: Memory[]): Promise<void> {
    // D1 binds at most 100 parameters per statement: one row per statement, all in one batch.
    const statements = memories.map((m) => {
      const row = toRow(m);
      const { id: _id, tenantId: _t, ...rest } = row;
      return this.db
        .insert(catalog)
        .values(row)
        .onConflictDoUpdate({ target: catalog.id, set: rest, where: eq(catalog.tenantId, this.tenantId) });
    });
    const [first, ...more] = statements;
    if (first) await this.db.batch([first, ...more]);
  }

  async delete(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 90) {
      const chunk = ids.slice(i, i + 90);
      await this.db.delete(catalog).where(and(eq(catalog.tenantId, this.tenantId), inArray(catalog.id, chunk)));
    }
  }
}
