// The cube's entities: one row per distinct name (aliases point at it), linked to memories.
import type { Memory } from "../../src/memory/types";
import type { MemoryRow } from "./rows";

export function normEntity(name: string): string {
  return name.normalize("NFKC").toLowerCase().replace(/[’']s$/u, "").replace(/[^\p{L}\p{N}]+/gu, " ").trim();
}

/** Links a memory to its entities, creating entities and aliases on first sight. */
export function linkEntities(sql: SqlStorage, seq: number, names: readonly string[], now: number): void {
  const seen = new Set<number>();
  for (const name of names) {
    const norm = normEntity(name);
    if (!norm) continue;
    let entityId = sql.exec<{ entity_id: number }>("SELECT entity_id FROM entity_aliases WHERE alias_norm = ?", norm).toArray()[0]?.entity_id;
    if (entityId === undefined) {
      entityId = sql
        .exec<{ id: number }>(
          "INSERT INTO entities (name, norm, mention_count, first_seen_at, last_seen_at) VALUES (?, ?, 0, ?, ?) ON CONFLICT(norm) DO UPDATE SET last_seen_at = excluded.last_seen_at RETURNING id",
          name,
          norm,
          now,
          now,
        )
        .one().id;
      sql.exec("INSERT OR IGNORE INTO entity_aliases (alias_norm, alias, entity_id) VALUES (?, ?, ?)", norm, name, entityId);
    }
    if (seen.has(entityId)) continue;
    seen.add(entityId);
    // Counts are computed when listed (a join), so linking costs one statement.
    sql.exec("INSERT OR IGNORE INTO memory_entities (memory_seq, entity_id) VALUES (?, ?)", seq, entityId);
  }
}

/** Removes a memory's links (on delete or when its entities change); returns the entities it was linked to. */
function dropLinks(sql: SqlStorage, seq: number): number[] {
  return sql.exec<{ entity_id: number }>("DELETE FROM memory_entities WHERE memory_seq = ? RETURNING entity_id", seq).toArray().map((r) => r.entity_id);
}

/**
 * Deletes those of `ids` that no memory links to any more, with their aliases: a name that only
 * a deleted memory mentioned must not outlive it.
 */
function dropOrphans(sql: SqlStorage, ids: readonly number[]): void {
  for (const id of ids) {
    if (sql.exec("SELECT 1 FROM memory_entities WHERE entity_id = ? LIMIT 1", id).toArray().length) continue;
    sql.exec("DELETE FROM entity_aliases WHERE entity_id = ?", id);
    sql.exec("DELETE FROM entities WHERE id = ?", id);
  }
}

/** Removes a memory's links on delete, and the entities only it named. */
export function unlinkEntities(sql: SqlStorage, seq: number): void {
  dropOrphans(sql, dropLinks(sql, seq));
}

export function relinkEntities(sql: SqlStorage, row: Pick<MemoryRow, "seq">, memory: Pick<Memory, "entities">, now: number): void {
  const before = dropLinks(sql, row.seq);
  linkEntities(sql, row.seq, memory.entities, now);
  dropOrphans(sql, before);
}

export interface EntityOut {
  name: string;
  aliases: string[];
  memory_count: number;
  first_seen_at: number;
  last_seen_at: number;
}

/** Entities with at least one live memory, most mentioned first. */
export function listEntities(sql: SqlStorage, limit: number, prefix: string | null): EntityOut[] {
  const rows = sql
    .exec<{ id: number; name: string; first_seen_at: number; last_seen_at: number; n: number }>(
      `SELECT e.id, e.name, e.first_seen_at, e.last_seen_at, COUNT(m.seq) AS n
       FROM entities e JOIN memory_entities me ON me.entity_id = e.id JOIN memories m ON m.seq = me.memory_seq AND m.state != 'deleted'
       WHERE (? IS NULL OR e.norm LIKE ? || '%')
       GROUP BY e.id ORDER BY n DESC, e.name LIMIT ?`,
      prefix,
      prefix,
      limit,
    )
    .toArray();
  return rows.map((r) => ({
    name: r.name,
    aliases: sql.exec<{ alias: string }>("SELECT alias FROM entity_aliases WHERE entity_id = ? ORDER BY alias", r.id).toArray().map((a) => a.alias),
    memory_count: r.n,
    first_seen_at: r.first_seen_at,
    last_seen_at: r.last_seen_at,
  }));
}
