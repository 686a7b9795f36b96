// The bridge's SQLite file (sql.js, WASM): schema, typed query helpers, atomic persistence.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync, openSync, fsyncSync, closeSync } from "node:fs";
import { dirname } from "node:path";
import initSqlJs from "sql.js";
import type { Database, SqlValue } from "sql.js";

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  cube_id TEXT NOT NULL,
  memory_ids TEXT NOT NULL,
  text TEXT,
  token_ids TEXT,
  model TEXT NOT NULL,
  node_id TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  tokens INTEGER NOT NULL,
  hits INTEGER NOT NULL DEFAULT 0,
  pinned INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS blocks_node_lru ON blocks (node_id, pinned, last_used_at);
CREATE INDEX IF NOT EXISTS blocks_cube ON blocks (tenant_id, cube_id);
CREATE TABLE IF NOT EXISTS adapters (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  cube_id TEXT NOT NULL,
  name TEXT NOT NULL,
  base_model TEXT NOT NULL,
  source TEXT NOT NULL,
  job_id TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (tenant_id, cube_id, name)
);
CREATE TABLE IF NOT EXISTS adapter_loads (
  adapter_id TEXT NOT NULL,
  node_id TEXT NOT NULL,
  loaded_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  PRIMARY KEY (adapter_id, node_id)
);
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  cube_id TEXT NOT NULL,
  adapter_name TEXT NOT NULL,
  base_model TEXT NOT NULL,
  spec TEXT NOT NULL,
  state TEXT NOT NULL,
  error TEXT,
  adapter_id TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
`;

export type Row = Record<string, SqlValue>;

/**
 * One SQLite database kept in memory and written to `path` after every change that must
 * survive a restart. The write goes to a temporary file that is fsynced and renamed over the
 * old one, so a crash leaves either the old or the new file, never half of one.
 */
export class RegistryDb {
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly flushers: (() => void)[] = [];

  private constructor(
    private readonly db: Database,
    readonly path: string | null,
  ) {}

  /** Opens (or creates) the file; `null` keeps everything in memory (tests, bench). */
  static async open(path: string | null): Promise<RegistryDb> {
    const SQL = await initSqlJs();
    const data = path && existsSync(path) ? readFileSync(path) : null;
    const db = new SQL.Database(data);
    db.exec(SCHEMA);
    const r = new RegistryDb(db, path);
    const version = r.get("SELECT value FROM meta WHERE key = 'schema_version'")?.value;
    if (version === undefined) {
      r.run("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", [String(SCHEMA_VERSION)]);
      r.persist();
    } else if (Number(version) > SCHEMA_VERSION) {
      throw new Error(`registry ${path} has schema ${String(version)}, newer than this bridge (${SCHEMA_VERSION})`);
    }
    return r;
  }

  /**
   * Registers a writer of buffered soft state (see BlockStore.touch); it runs before every
   * transaction and before every write of the file, so neither ever misses it.
   */
  onFlush(fn: () => void): void {
    this.flushers.push(fn);
  }

  private flush(): void {
    for (const f of this.flushers) f();
  }

  all(sql: string, params: SqlValue[] = []): Row[] {
    const stmt = this.db.prepare(sql, params);
    try {
      const rows: Row[] = [];
      while (stmt.step()) rows.push(stmt.getAsObject());
      return rows;
    } finally {
      stmt.free();
    }
  }

  get(sql: string, params: SqlValue[] = []): Row | undefined {
    return this.all(sql, params)[0];
  }

  run(sql: string, params: SqlValue[] = []): number {
    this.db.run(sql, params);
    return this.db.getRowsModified();
  }

  /** Runs `fn` in one transaction, then persists; a throw rolls everything back. */
  tx<T>(fn: () => T): T {
    this.flush();
    this.db.exec("BEGIN");
    try {
      const out = fn();
      this.db.exec("COMMIT");
      this.persist();
      return out;
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
  }

  /** Writes the file now (structural changes: acknowledged means durable). */
  persist(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty = false;
    this.flush();
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, this.db.export());
    const fd = openSync(tmp, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }

  /**
   * Marks soft state (hit counts, last use) as changed and writes it within `delayMs`. Losing
   * the last second of hit counts in a crash costs only LRU precision, and writing the whole
   * file on every generate request would dominate the bridge's overhead.
   */
  persistSoon(delayMs = 1000): void {
    this.dirty = true;
    if (this.timer || !this.path) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.dirty) this.persist();
    }, delayMs);
    this.timer.unref();
  }

  close(): void {
    this.flush();
    if (this.dirty) this.persist();
    if (this.timer) clearTimeout(this.timer);
    this.db.close();
  }
}
