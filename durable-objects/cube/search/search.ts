// Search inside one cube: every route in one call, then weighted RRF → decay → MMR →
// near-duplicate removal → threshold → top_k. Results carry each route's contribution.
import type { CubeIdentity, CubeSearchRequest, CubeSearchResult, ScoredMemory, SearchRoute } from "../../../src/memory/cube-contract";
import { resolveWeights } from "../../../src/memory/retrieval/query";
import { anchoredRange, parseEventAnchor, parseTimeQuery, type TimeRange } from "../../../src/memory/retrieval/time-query";
import { MEMORY_COLUMNS, rowToMemory, type MemoryRow } from "../rows";
import { filterSql } from "../memory-store";
import type { VectorCache } from "./vectors";
import { ROUTE_DEPTH, candidateFacts, entityRoute, eventTime, keywordRoute, seqsOfIds, timeRoute, type CompiledFilter } from "./routes";
import { DEFAULT_HALF_LIFE_MS, DEFAULT_MMR_LAMBDA, rank, recencyOrder } from "../../../src/memory/retrieval/rank";
import { vectorRoute } from "./vector-route";

/** The request's filter with validity (now or `as_of`) and the event-time range applied. */
function compileFilter(req: CubeSearchRequest): CompiledFilter {
  const base = filterSql(req.filter, { validity: req.as_of === undefined ? "now" : { asOf: req.as_of } });
  const parts = [base.where];
  const args = [...base.args];
  if (req.time_range?.from != null) {
    parts.push("COALESCE(m.event_time, m.valid_from) >= ?");
    args.push(req.time_range.from);
  }
  if (req.time_range?.to != null) {
    parts.push("COALESCE(m.event_time, m.valid_from) < ?");
    args.push(req.time_range.to);
  }
  return { where: parts.join(" AND "), args };
}

/**
 * The query's time: a date or range it names, else a range around an event it names ("before she
 * moved"), timed by the memory that best matches the event.
 */
function understandTime(sql: SqlStorage, query: string, reference: number, f: CompiledFilter): { range: TimeRange; matched: string; anchor?: string } | null {
  const dated = parseTimeQuery(query, reference);
  if (dated) return dated;
  const anchor = parseEventAnchor(query);
  const event = anchor && eventTime(sql, anchor.event, f);
  return anchor && event ? { range: anchoredRange(anchor, event.at), matched: anchor.matched, anchor: event.id } : null;
}

export function searchCube(sql: SqlStorage, vectors: VectorCache, identity: CubeIdentity, req: CubeSearchRequest): CubeSearchResult {
  const timings: Record<string, number> = {};
  const now = Date.now();
  const reference = req.reference_time ?? now;
  const weights = resolveWeights(req.embedder, req.query, req.weights);
  const f = compileFilter(req);
  let t = performance.now();
  const lap = (name: string): void => {
    const n = performance.now();
    timings[name] = n - t;
    t = n;
  };

  const routes: Partial<Record<SearchRoute, number[]>> = {};
  const keyword = weights.keyword > 0 || weights.entity > 0 || weights.time > 0 ? keywordRoute(sql, req.query, f) : [];
  const keywordOrder = keyword.map((h) => h.seq);
  routes.keyword = keywordOrder.slice(0, ROUTE_DEPTH);
  lap("keyword");

  let vectorHits: { seq: number; score: number }[] = [];
  if (weights.vector > 0) {
    if (req.vector_hits) {
      const seqs = seqsOfIds(sql, req.vector_hits.map((h) => h.id), f);
      vectorHits = seqs.map((seq) => ({ seq, score: 0 }));
    } else if (req.vector) {
      vectorHits = vectorRoute(sql, vectors, req.embedder, req.vector, f);
    }
    routes.vector = vectorHits.map((h) => h.seq);
  }
  lap("vector");

  let names: string[] = [];
  if (weights.entity > 0) {
    const e = entityRoute(sql, req.query, f, keywordOrder);
    routes.entity = e.seqs;
    names = e.names;
  }
  lap("entity");

  const time = understandTime(sql, req.query, reference, f);
  if (time && weights.time > 0) routes.time = timeRoute(sql, time.range, f, keywordOrder);
  lap("time");

  // Candidates are what any route found; recency only re-orders them, it never adds strangers.
  const candidates = new Set<number>();
  for (const list of Object.values(routes)) for (const s of list) candidates.add(s);
  const facts = candidateFacts(sql, [...candidates]);
  const halfLifeMs = req.half_life_ms ?? DEFAULT_HALF_LIFE_MS;
  if (weights.recency > 0) routes.recency = recencyOrder(candidates, facts, reference, halfLifeMs, ROUTE_DEPTH);
  lap("recency");

  const dims = req.vector?.length ?? 0;
  const kept = rank(routes, facts, {
    weights,
    reference,
    halfLifeMs,
    mmrLambda: req.mmr_lambda ?? DEFAULT_MMR_LAMBDA,
    threshold: req.threshold ?? 0,
    topK: req.top_k,
    vectorsFor: (pool) => {
      if (dims === 0) return () => undefined;
      // Vector hits from the VectorIndex (tenant-wide, or a cube too large to scan), or an index not
      // in memory (a search without the vector route): the few vectors MMR needs come from SQLite in
      // one query rather than from loading the whole in-memory index.
      if (req.vector_hits || !vectors.ready(req.embedder, dims)) {
        const fromSql = vectors.stored(req.embedder, dims, pool);
        return (seq) => fromSql.get(seq);
      }
      // MMR and near-duplicate removal ask for the same vectors many times: dequantize each once.
      const cache = new Map<number, Float32Array | undefined>();
      return (seq) => {
        if (!cache.has(seq)) cache.set(seq, vectors.vectorOf(req.embedder, dims, seq));
        return cache.get(seq);
      };
    },
  });
  lap("fusion");

  const results: ScoredMemory[] = [];
  const seqs = kept.map((r) => r.seq);
  const rows = new Map(
    sql
      .exec<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories WHERE seq IN (SELECT value FROM json_each(?))`, JSON.stringify(seqs))
      .toArray()
      .map((r) => [r.seq, r]),
  );
  for (const r of kept) {
    const row = rows.get(r.seq);
    if (row) results.push({ memory: rowToMemory(row, identity), score: r.score, score_breakdown: r.score_breakdown });
  }
  if (req.record_access !== false && seqs.length) {
    // Heat: how often and how lately a memory was retrieved. Not a content change: no version.
    sql.exec(
      "UPDATE memories SET access_count = access_count + 1, last_access_at = ? WHERE seq IN (SELECT value FROM json_each(?))",
      now,
      JSON.stringify(seqs),
    );
  }
  lap("load");
  return {
    results,
    timings,
    candidates: candidates.size,
    understood: { time: time ? { ...time.range, matched: time.matched, ...(time.anchor ? { anchor: time.anchor } : {}) } : null, entities: names },
  };
}
