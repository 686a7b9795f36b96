// Vector route of one cube: an int8 scan of the in-memory index, filtered with as few SQL calls as possible.
import type { VectorCache, VectorHit } from "./vectors";
import { ROUTE_DEPTH, acceptor, type CompiledFilter } from "./routes";

/** Unfiltered passes ask for this many times the hits needed before filtering during the scan. */
const OVERFETCH = [2, 8] as const;

/**
 * Top hits that pass the filter. Most searches filter little (a user's active memories), so a
 * first pass scans without the filter and checks the overfetched hits in one query; only when
 * too few pass does a second scan ask the filter about each would-be top hit.
 */
export function vectorRoute(sql: SqlStorage, vectors: VectorCache, embedder: string, query: Float32Array, f: CompiledFilter): VectorHit[] {
  for (const factor of OVERFETCH) {
    const k = ROUTE_DEPTH * factor;
    const hits = vectors.search(embedder, query, k, () => true);
    const passing = new Set(
      sql
        .exec<{ seq: number }>(`SELECT m.seq AS seq FROM memories m WHERE m.seq IN (SELECT value FROM json_each(?)) AND ${f.where}`, JSON.stringify(hits.map((h) => h.seq)), ...f.args)
        .toArray()
        .map((r) => r.seq),
    );
    const kept = hits.filter((h) => passing.has(h.seq));
    // Enough passed, or the scan had nothing more to give.
    if (kept.length >= ROUTE_DEPTH || hits.length < k) return kept.slice(0, ROUTE_DEPTH);
  }
  // A narrow filter (a session, a tag): ask it about each would-be top hit during the scan.
  return vectors.search(embedder, query, ROUTE_DEPTH, acceptor(sql, f));
}
