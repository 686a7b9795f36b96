// Consolidation's rows in the cube's meta: its settings and the mark of the memories it last saw.
import { consolidationConfigSchema, DEFAULT_CONSOLIDATION_CONFIG, type ConsolidationConfig } from "../../../src/memory/consolidate/config";

const CONFIG_KEY = "consolidation:config";
const MARK_KEY = "consolidation:mark";

export function readConsolidationConfig(sql: SqlStorage): ConsolidationConfig {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", CONFIG_KEY).toArray()[0];
  if (!row) return DEFAULT_CONSOLIDATION_CONFIG;
  const parsed = consolidationConfigSchema.safeParse(JSON.parse(row.value));
  return parsed.success ? parsed.data : DEFAULT_CONSOLIDATION_CONFIG;
}

export function writeConsolidationConfig(sql: SqlStorage, config: ConsolidationConfig): void {
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", CONFIG_KEY, JSON.stringify(config));
}

/** What the cube's memories look like now (count, last change, last row): a run at another mark has work to look at. */
export function memoriesMark(sql: SqlStorage): { mark: string; last_write_at: number | null } {
  const r = sql.exec<{ n: number; at: number | null; seq: number | null }>("SELECT COUNT(*) AS n, MAX(updated_at) AS at, MAX(seq) AS seq FROM memories").one();
  return { mark: `${r.n}:${r.at ?? 0}:${r.seq ?? 0}`, last_write_at: r.at };
}

export function readMark(sql: SqlStorage): string | null {
  return sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", MARK_KEY).toArray()[0]?.value ?? null;
}

export function writeMark(sql: SqlStorage, mark: string): void {
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", MARK_KEY, mark);
}
