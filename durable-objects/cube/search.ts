// Search inside one cube: keyword (FTS5 BM25) and vector routes, fused by reciprocal rank.
import type { CubeIdentity, CubeSearchRequest, CubeSearchResult, ScoredMemory } from "../../src/memory/cube-contract";
import { MEMORY_COLUMNS, rowToMemory, type MemoryRow } from "./rows";
import { filterSql } from "./memory-store";
import type { VectorCache } from "./vectors";

const RRF_K = 60;
const ROUTE_DEPTH = 100;

/** An FTS5 MATCH expression that ORs the query's words, each quoted so no operator leaks in. */
export function ftsQuery(query: string): string | null {
  const words = query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const unique = [...new Set(words)].slice(0, 64);
  return unique.length ? unique.map((w) => `"${w}"`).join(" OR ") : null;
}

export function searchCube(sql: SqlStorage, vectors: VectorCache, identity: CubeIdentity, req: CubeSearchRequest): CubeSearchResult {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const { where, args } = filterSql(req.filter);
  const ranked = new Map<number, Record<string, number>>();
  const add = (route: string, seqs: number[]) => {
    seqs.forEach((seq, rank) => {
      const entry = ranked.get(seq) ?? {};
      entry[route] = 1 / (RRF_K + rank + 1);
      ranked.set(seq, entry);
    });
  };

  const match = ftsQuery(req.query);
  if (match) {
    const rows = sql
      .exec<{ seq: number }>(
        `SELECT m.seq AS seq FROM memory_fts JOIN memories m ON m.seq = memory_fts.rowid
         WHERE memory_fts MATCH ? AND ${where} ORDER BY bm25(memory_fts, 1.0, 0.5, 0.5) LIMIT ?`,
        match,
        ...args,
        ROUTE_DEPTH,
      )
      .toArray();
    add("keyword", rows.map((r) => r.seq));
  }
  timings.keyword = performance.now() - t;

  t = performance.now();
  if (req.vector) {
    const accepted = new Set(
      sql.exec<{ seq: number }>(`SELECT m.seq AS seq FROM memories m WHERE ${where}`, ...args).toArray().map((r) => r.seq),
    );
    const hits = vectors.search(req.embedder, req.vector, ROUTE_DEPTH, (seq) => accepted.has(seq));
    add("vector", hits.map((h) => h.seq));
  }
  timings.vector = performance.now() - t;

  t = performance.now();
  const fused = [...ranked]
    .map(([seq, breakdown]) => ({ seq, breakdown, score: Object.values(breakdown).reduce((a, b) => a + b, 0) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, req.top_k);
  const results: ScoredMemory[] = [];
  for (const f of fused) {
    const row = sql.exec<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories WHERE seq = ?`, f.seq).toArray()[0];
    if (row) results.push({ memory: rowToMemory(row, identity), score: f.score, score_breakdown: f.breakdown });
  }
  timings.fusion = performance.now() - t;
  return { results, timings, candidates: ranked.size };
}
