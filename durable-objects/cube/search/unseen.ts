// Memories sent to an eventually consistent vector index and maybe not visible there yet: the
// drain records them with the time they surely are, and searches score them in the cube until then.

/** Records that these memories' vectors reach queries of the index only by `visibleAt` (ms). */
export function recordUnseen(sql: SqlStorage, memoryIds: readonly string[], visibleAt: number): void {
  if (memoryIds.length === 0) return;
  sql.exec(
    `INSERT INTO vector_unseen (seq, visible_at) SELECT seq, ? FROM memories WHERE id IN (SELECT value FROM json_each(?))
     ON CONFLICT(seq) DO UPDATE SET visible_at = MAX(visible_at, excluded.visible_at)`,
    visibleAt,
    JSON.stringify(memoryIds),
  );
}

/** Seqs and ids of memories maybe not visible in the index at `now`, latest first. */
export function unseenMemories(sql: SqlStorage, now: number, limit: number): { seq: number; id: string }[] {
  return sql
    .exec<{ seq: number; id: string }>(
      "SELECT u.seq AS seq, m.id AS id FROM vector_unseen u JOIN memories m ON m.seq = u.seq WHERE u.visible_at > ? ORDER BY u.visible_at DESC LIMIT ?",
      now,
      limit,
    )
    .toArray();
}

/** Forgets memories that every query of the index sees by now. */
export function pruneUnseen(sql: SqlStorage, now: number): void {
  sql.exec("DELETE FROM vector_unseen WHERE visible_at <= ?", now);
}
