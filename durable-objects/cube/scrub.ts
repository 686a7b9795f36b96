// Overwrites text in place before it is deleted, so that it does not survive in free page space.

/**
 * Overwrites text columns of the matching rows with zero bytes of the same length. SQLite rewrites
 * a record of unchanged size where it lies, so the old bytes are gone from the page instead of
 * left in its free space after the delete that follows. `PRAGMA secure_delete`, which would do
 * this for every delete, and VACUUM are not authorized in a Durable Object's SQLite.
 */
export function scrubColumns(sql: SqlStorage, table: string, columns: readonly string[], where: string, ...args: SqlStorageValue[]): void {
  const set = columns.map((c) => `${c} = zeroblob(length(CAST(${c} AS BLOB)))`).join(", ");
  sql.exec(`UPDATE ${table} SET ${set} WHERE ${where}`, ...args);
}

/**
 * The same for a row of the FTS5 table: its content row is overwritten with spaces of the same
 * byte length (an FTS5 update also removes the old tokens, with secure-delete on, from the index).
 */
export function scrubFts(sql: SqlStorage, rowid: number): void {
  sql.exec(
    `UPDATE memory_fts SET text = printf('%*s', length(CAST(text AS BLOB)), ''), entities = printf('%*s', length(CAST(entities AS BLOB)), ''),
       tags = printf('%*s', length(CAST(tags AS BLOB)), '') WHERE rowid = ?`,
    rowid,
  );
}
