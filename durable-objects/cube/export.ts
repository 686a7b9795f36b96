// A page of a cube's memories with every version, oldest first, for exports; tombstones and expired memories are left out.
import type { Memory } from "../../src/memory/types";
import type { ExportRequest } from "../../src/memory/cube-contract";
import { filterSql } from "./memory-store";
import { MEMORY_COLUMNS, rowToMemory, type MemoryRow } from "./rows";
import type { StoreContext } from "./memory-store";

export interface ExportedMemory {
  memory: Memory;
  versions: Array<{ version: number; reason: string; source: string | null; at: number; memory: Memory }>;
}

export function exportPage(ctx: StoreContext, req: ExportRequest): { items: ExportedMemory[]; next_seq: number | null } {
  const { where, args } = filterSql(req.filter, { validity: "any", anyState: true });
  const rows = ctx.sql
    .exec<MemoryRow>(
      `SELECT ${MEMORY_COLUMNS} FROM memories m WHERE ${where} AND (m.expires_at IS NULL OR m.expires_at > ?) AND m.seq > ? ORDER BY m.seq LIMIT ?`,
      ...args,
      Date.now(),
      req.after_seq ?? 0,
      req.limit + 1,
    )
    .toArray();
  const page = rows.slice(0, req.limit);
  const items = page.map((row) => ({
    memory: rowToMemory(row, ctx.identity),
    versions: ctx.sql
      .exec<{ version: number; reason: string; source: string | null; at: number; snapshot: string }>(
        "SELECT version, reason, source, at, snapshot FROM memory_versions WHERE memory_id = ? ORDER BY version",
        row.id,
      )
      .toArray()
      .map((v) => ({ version: v.version, reason: v.reason, source: v.source, at: v.at, memory: JSON.parse(v.snapshot) as Memory })),
  }));
  const last = page[page.length - 1];
  return { items, next_seq: rows.length > req.limit && last ? last.seq : null };
}
