// Outbox sink that mirrors a cube's memories into D1's tenant-wide catalog, idempotently.
import { drizzle } from "drizzle-orm/d1";
import { and, eq, inArray } from "drizzle-orm";
import { memories as catalog } from "../../../src/db/schema";
import type { Memory } from "../../../src/memory/types";
import { RECORD_COLUMNS, toRecord } from "../../../src/memory/memory-record";
import type { OutboxSink } from "./outbox";
import { USER_CUBE_PREFIX } from "../../../src/memory/cube-contract";
import { cubeRef } from "../../../src/lib/ids";
import { removeMemoryListingsStatement } from "../../../src/services/hub-store";

// One prepared statement text for every row: D1 binds at most 100 parameters, and a plain
// statement skips the query builder's cost on a path that runs for every change.
const UPSERT = `INSERT INTO memories (${RECORD_COLUMNS.join(", ")}) VALUES (${RECORD_COLUMNS.map(() => "?").join(", ")})
  ON CONFLICT(id) DO UPDATE SET ${RECORD_COLUMNS.slice(1).map((c) => `${c} = excluded.${c}`).join(", ")}
  WHERE memories.tenant_id = excluded.tenant_id`;

function values(m: Memory): Array<string | number | null> {
  const r = toRecord(m);
  return RECORD_COLUMNS.map((c) => r[c]);
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
    const first = memories[0];
    if (!first) return;
    // The cube's registration rides along: a write that an isolate still believing in a deleted
    // cube let through without registering it is registered here, once the cube has it.
    const register = this.d1
      .prepare(`INSERT INTO cubes (tenant_id, id, owner_user_id, created_at, ref) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
      .bind(first.tenant_id, first.cube_id, first.cube_id.startsWith(USER_CUBE_PREFIX) ? first.cube_id.slice(USER_CUBE_PREFIX.length) : null, first.created_at, cubeRef(first.cube_id));
    await this.d1.batch([register, ...memories.map((m) => stmt.bind(...values(m)))]);
  }

  async delete(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 90) {
      const chunk = ids.slice(i, i + 90);
      // A deleted memory's hub listings go with its catalog row: its text no longer serves there.
      await removeMemoryListingsStatement(this.d1, this.tenantId, chunk).run();
      await this.db.delete(catalog).where(and(eq(catalog.tenantId, this.tenantId), inArray(catalog.id, chunk)));
    }
  }
}
