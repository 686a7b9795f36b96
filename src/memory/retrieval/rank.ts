// Ranking a cube's candidates from its routes' lists: the recency order, weighted RRF normalized
// to [0, 1], decay by age and importance, demotion of siblings, MMR, near-duplicate removal,
// threshold and top k. Pure: the cube gathers the lists and facts with SQL and calls this.
import type { SearchRoute } from "../cube-contract";
import { applyDecayAndHeat, demoteSiblings, heatBoost, mmr, removeNearDuplicates, rrf, timeDecay, type RouteList } from "./fusion";

const DAY = 86_400_000;
const RRF_K = 60;
/**
 * Each further result drawn from exactly the same source messages as a better one is scaled by
 * this (compounding): the same turn repeated fills slots another turn could use. Measured on
 * LoCoMo fast mode the value barely matters (0.3 to 0.8 alike); the demotion does.
 */
const SIBLING = 0.6;
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

/** What ranking needs to know of a candidate, keyed by its seq. */
export interface RankFacts {
  created_at: number;
  /** When it was said or became true (the source message's time for extracted memories). */
  valid_from: number;
  event_time: number | null;
  importance: number;
  access_count: number;
  last_access_at: number | null;
  hash: string;
  /** JSON list of source message ids. */
  source_message_ids: string;
}

/** Candidates by age and importance (decayed from `reference`) and heat, best first. */
export function recencyOrder(candidates: Iterable<number>, facts: ReadonlyMap<number, RankFacts>, reference: number, halfLifeMs: number, depth: number): number[] {
  const value = (s: number): number => {
    const x = facts.get(s);
    if (!x) return 0;
    const age = timeDecay(reference - (x.event_time ?? x.valid_from), x.importance, { halfLifeMs, floor: 0 });
    return age * heatBoost(x.access_count, x.last_access_at ?? x.created_at, reference, HEAT);
  };
  return [...candidates].sort((a, b) => value(b) - value(a) || b - a).slice(0, depth);
}

export interface RankOptions {
  weights: Record<SearchRoute, number>;
  reference: number;
  halfLifeMs: number;
  mmrLambda: number;
  threshold: number;
  topK: number;
  /** The vectors MMR and near-duplicate removal compare, for the pool of candidates they see. */
  vectorsFor(pool: readonly number[]): (seq: number) => Float32Array | undefined;
}

export interface RankedSeq {
  seq: number;
  /** Normalized fused score in [0, 1] (1 = first on every route), after decay. */
  score: number;
  score_breakdown: Record<string, number>;
}

export function rank(routes: Partial<Record<SearchRoute, number[]>>, facts: ReadonlyMap<number, RankFacts>, opts: RankOptions): RankedSeq[] {
  // Weighted RRF, normalized so that first place on every route scores 1.
  const lists: RouteList[] = Object.entries(routes).map(([route, seqs]) => ({ route, ids: seqs.map(String), weight: opts.weights[route as SearchRoute] }));
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
    opts.reference,
    { halfLifeMs: opts.halfLifeMs },
    null,
  );
  const spread = demoteSiblings(
    decayed,
    (id) => {
      const src = facts.get(Number(id))?.source_message_ids;
      return src && src !== "[]" ? src : undefined;
    },
    SIBLING,
  );
  const pool = spread.slice(0, Math.max(opts.topK * 3, 30));
  const vectorOfSeq = opts.vectorsFor(pool.map((r) => Number(r.id)));
  const vectorOf = (id: string) => vectorOfSeq(Number(id));
  const diverse = mmr(pool, vectorOf, opts.mmrLambda, pool.length);
  const unique = removeNearDuplicates(diverse, { hash: (id) => facts.get(Number(id))?.hash || undefined, vectors: vectorOf, threshold: NEAR_DUPLICATE_COSINE });
  return unique
    .filter((r) => r.score >= opts.threshold)
    .slice(0, opts.topK)
    .map((r) => ({ seq: Number(r.id), score: r.score, score_breakdown: r.score_breakdown }));
}
