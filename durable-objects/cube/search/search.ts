// Search inside one cube: every route in one call, then weighted RRF → decay → MMR →
// near-duplicate removal → threshold → top_k. Results carry each route's contribution.
import type { CubeIdentity, CubeSearchRequest, CubeSearchResult, ScoredMemory, SearchRoute } from "../../../src/memory/cube-contract";
import { applyDecayAndHeat, demoteSiblings, mmr, removeNearDuplicates, rrf, type RouteList } from "../../../src/memory/retrieval/fusion";
import { resolveWeights } from "../../../src/memory/retrieval/query";
import { anchoredRange, parseEventAnchor, parseTimeQuery, type TimeRange } from "../../../src/memory/retrieval/time-query";
import { MEMORY_COLUMNS, rowToMemory, type MemoryRow } from "../rows";
import { filterSql } from "../memory-store";
import type { VectorCache } from "./vectors";
import { ROUTE_DEPTH, candidateFacts, entityRoute, eventTime, keywordRoute, seqsOfIds, timeRoute, type CompiledFilter } from "./routes";
import { heatBoost, timeDecay } from "../../../src/memory/retrieval/fusion";
import { vectorRoute } from "./vector-route";

const RRF_K = 60;
/**
 * Each further result drawn from exactly the same source messages as a better one is scaled by
 * this (compounding): the same turn repeated fills slots another turn could use. Measured on
 * LoCoMo fast mode the value barely matters (0.3 to 0.8 alike); the demotion does.
 */
const SIBLING = 0.6;
const DAY = 86_400_000;
/** Default half-life of decay: a month; importance stretches it (see `timeDecay`). */
export const DEFAULT_HALF_LIFE_MS = 30 * DAY;
/** Default MMR λ: mostly relevance, enough diversity to skip a second copy of the same point. */
export const DEFAULT_MMR_LAMBDA = 0.9;
/** Near-identical results (cosine above this, or the same content hash) keep only the best. */
const NEAR_DUPLICATE_COSINE = 0.97;
/**
 * Heat (how often and how lately a memory was retrieved) orders the recency route, with age and
 * importance; it does not scale every result. Retrieval counts say what was asked before, not what
 * this query needs: on LoCoMo even a 2% boost on every result let earlier questions' answers crowd
 * out later ones (recall_any@10 0.749 against 0.758 without, @1 0.397 against 0.422).
 */
const HEAT = { alpha: 0.1, halfLifeMs: 7 * DAY };

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
  if (weights.recency > 0) {
    const value = (s: number): number => {
      const x = facts.get(s);
      if (!x) return 0;
      const age = timeDecay(reference - (x.event_time ?? x.valid_from), x.importance, { halfLifeMs, floor: 0 });
      return age * heatBoost(x.access_count, x.last_access_at ?? x.created_at, reference, HEAT);
    };
    routes.recency = [...candidates].sort((a, b) => value(b) - value(a) || b - a).slice(0, ROUTE_DEPTH);
  }
  lap("recency");

  // Weighted RRF, normalized so that first place on every route scores 1.
  const lists: RouteList[] = Object.entries(routes).map(([route, seqs]) => ({ route, ids: seqs.map(String), weight: weights[route as SearchRoute] }));
  const maxRaw = lists.reduce((s, l) => s + (l.ids.length ? (l.weight ?? 1) : 0), 0) / (RRF_K + 1);
  const fused = rrf(lists, RRF_K).map((r) => ({
    id: r.id,
    score: maxRaw > 0 ? r.score / maxRaw : 0,
    score_breakdown: Object.fromEntries(Object.entries(r.score_breakdown).map(([k, v]) => [k, maxRaw > 0 ? v / maxRaw : 0])),
  }));
  const decayed = applyDecayAndHeat(
    fused,
    (id) => {
      const x = facts.get(Number(id));
      return x && { created_at: x.valid_from, importance: x.importance, seen_count: 0, last_seen_at: x.created_at };
    },
    reference,
    { halfLifeMs },
    null,
  );

  const dims = req.vector?.length ?? 0;
  const spread = demoteSiblings(
    decayed,
    (id) => {
      const src = facts.get(Number(id))?.source_message_ids;
      return src && src !== "[]" ? src : undefined;
    },
    SIBLING,
  );
  const pool = spread.slice(0, Math.max(req.top_k * 3, 30));
  // Vector hits from the VectorIndex (tenant-wide, or a cube too large to scan), or an index not
  // in memory (a search without the vector route): the few vectors MMR needs come from SQLite in
  // one query rather than from loading the whole in-memory index.
  const fromSql = dims > 0 && (req.vector_hits || !vectors.ready(req.embedder, dims)) ? vectors.stored(req.embedder, dims, pool.map((r) => Number(r.id))) : null;
  const vecCache = new Map<string, Float32Array | undefined>();
  const vectorOf = (id: string): Float32Array | undefined => {
    if (dims === 0) return undefined;
    if (fromSql) return fromSql.get(Number(id));
    // MMR and near-duplicate removal ask for the same vectors many times: dequantize each once.
    if (!vecCache.has(id)) vecCache.set(id, vectors.vectorOf(req.embedder, dims, Number(id)));
    return vecCache.get(id);
  };
  const diverse = mmr(pool, vectorOf, req.mmr_lambda ?? DEFAULT_MMR_LAMBDA, pool.length);
  const unique = removeNearDuplicates(diverse, {
    hash: (id) => facts.get(Number(id))?.hash || undefined,
    vectors: vectorOf,
    threshold: NEAR_DUPLICATE_COSINE,
  });
  const kept = unique.filter((r) => r.score >= (req.threshold ?? 0)).slice(0, req.top_k);
  lap("fusion");

  const results: ScoredMemory[] = [];
  const seqs = kept.map((r) => Number(r.id));
  const rows = new Map(
    sql
      .exec<MemoryRow>(`SELECT ${MEMORY_COLUMNS} FROM memories WHERE seq IN (SELECT value FROM json_each(?))`, JSON.stringify(seqs))
      .toArray()
      .map((r) => [r.seq, r]),
  );
  for (const r of kept) {
    const row = rows.get(Number(r.id));
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
