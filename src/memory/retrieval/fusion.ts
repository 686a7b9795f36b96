// Fusion of retrieval routes: weighted reciprocal rank fusion, time decay with importance, heat,
// MMR diversification and removal of near-identical results. Pure functions over ids.

/** One route's ranked list, best first. Duplicate ids count at their best rank. */
export interface RouteList {
  route: string;
  ids: readonly string[];
  /** Multiplies this route's contributions; default 1. */
  weight?: number;
}

export interface Scored {
  id: string;
  score: number;
  /** Each route's contribution and each factor applied, e.g. { vector: 0.016, keyword: 0.009, decay: 0.8 }. */
  score_breakdown: Record<string, number>;
}

/**
 * Weighted reciprocal rank fusion: score(id) = Σ_routes weight / (k + rank), rank from 1.
 * Ties are broken by the best single-route rank, then by id, so the order is deterministic.
 */
export function rrf(routes: readonly RouteList[], k = 60): Scored[] {
  const acc = new Map<string, { score: number; best: number; breakdown: Record<string, number> }>();
  for (const { route, ids, weight = 1 } of routes) {
    if (weight === 0) continue;
    const seen = new Set<string>();
    ids.forEach((id, i) => {
      if (seen.has(id)) return;
      seen.add(id);
      const c = weight / (k + i + 1);
      let e = acc.get(id);
      if (!e) acc.set(id, (e = { score: 0, best: Number.POSITIVE_INFINITY, breakdown: {} }));
      e.score += c;
      e.best = Math.min(e.best, i);
      e.breakdown[route] = (e.breakdown[route] ?? 0) + c;
    });
  }
  return [...acc.entries()]
    .sort(([ia, a], [ib, b]) => b.score - a.score || a.best - b.best || (ia < ib ? -1 : ia > ib ? 1 : 0))
    .map(([id, e]) => ({ id, score: e.score, score_breakdown: e.breakdown }));
}

export interface DecayOptions {
  /** Age at which an unimportant memory's factor has fallen halfway to `floor`. */
  halfLifeMs: number;
  /** Lowest factor: old memories are demoted, never erased by decay. Default 0.5. */
  floor?: number;
  /** How much importance stretches the half-life: importance 1 multiplies it by 1 + this. Default 3. */
  importanceStretch?: number;
}

/**
 * Multiplicative age factor in [floor, 1]: floor + (1 - floor) · 2^(-age / halfLife'), where
 * halfLife' = halfLife · (1 + stretch · importance). Future timestamps count as age 0.
 */
export function timeDecay(ageMs: number, importance: number, options: DecayOptions): number {
  const floor = options.floor ?? 0.5;
  const stretch = options.importanceStretch ?? 3;
  const imp = Math.min(1, Math.max(0, importance));
  const hl = options.halfLifeMs * (1 + stretch * imp);
  const age = Math.max(0, ageMs);
  if (!(hl > 0)) return 1;
  return floor + (1 - floor) * Math.pow(2, -age / hl);
}

export interface HeatOptions {
  /** Weight of the boost; default 0.1 (a very hot memory gains up to about 10 to 30 percent). */
  alpha?: number;
  /** Half-life of heat since the last retrieval; default 7 days. */
  halfLifeMs?: number;
}

/** Multiplicative boost ≥ 1 from how often (log-damped) and how recently a memory was used. */
export function heatBoost(seenCount: number, lastSeenAt: number, now: number, options: HeatOptions = {}): number {
  const alpha = options.alpha ?? 0.1;
  const hl = options.halfLifeMs ?? 7 * 86_400_000;
  if (seenCount <= 0) return 1;
  const recency = Math.pow(2, -Math.max(0, now - lastSeenAt) / hl);
  return 1 + alpha * Math.log1p(seenCount) * recency;
}

export interface MemoryFacts {
  created_at: number;
  importance: number;
  seen_count: number;
  last_seen_at: number;
  /** When the text says the event happened; preferred over created_at for age. */
  event_time?: number | null;
}

/** Applies decay and heat (unless `heat` is null) to fused results, records the factors, and re-sorts. */
export function applyDecayAndHeat(
  results: readonly Scored[],
  facts: (id: string) => MemoryFacts | undefined,
  now: number,
  decay: DecayOptions,
  heat: HeatOptions | null = {},
): Scored[] {
  return results
    .map((r) => {
      const f = facts(r.id);
      if (!f) return r;
      const d = timeDecay(now - f.created_at, f.importance, decay);
      if (heat === null) return { id: r.id, score: r.score * d, score_breakdown: { ...r.score_breakdown, decay: d } };
      const h = heatBoost(f.seen_count, f.last_seen_at, now, heat);
      return { id: r.id, score: r.score * d * h, score_breakdown: { ...r.score_breakdown, decay: d, heat: h } };
    })
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Cosine of two vectors (need not be normalized); 0 when either is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/**
 * Maximal marginal relevance: picks k candidates one at a time maximizing
 * λ · relevance − (1 − λ) · max cosine to those already picked. Relevance is the candidate's
 * score scaled to [0, 1] by the best score. Candidates without a vector are never penalized.
 */
export function mmr<T extends { id: string; score: number }>(
  candidates: readonly T[],
  vectors: (id: string) => ArrayLike<number> | undefined,
  lambda: number,
  k: number,
): T[] {
  const pool = [...candidates];
  const top = pool.reduce((m, c) => Math.max(m, c.score), 0);
  const rel = (c: T): number => (top > 0 ? c.score / top : 0);
  const picked: T[] = [];
  const pickedVecs: ArrayLike<number>[] = [];
  const maxSim = new Map<string, number>();
  while (picked.length < k && pool.length > 0) {
    let bestIdx = 0;
    let bestVal = Number.NEGATIVE_INFINITY;
    pool.forEach((c, i) => {
      const val = lambda * rel(c) - (1 - lambda) * (maxSim.get(c.id) ?? 0);
      if (val > bestVal) {
        bestVal = val;
        bestIdx = i;
      }
    });
    const [chosen] = pool.splice(bestIdx, 1);
    if (!chosen) break;
    picked.push(chosen);
    const v = vectors(chosen.id);
    if (v) {
      pickedVecs.push(v);
      for (const c of pool) {
        const cv = vectors(c.id);
        if (cv) maxSim.set(c.id, Math.max(maxSim.get(c.id) ?? 0, cosine(v, cv)));
      }
    }
  }
  return picked;
}

export interface NearDuplicateOptions {
  /** Content hash of a memory (normalized text); equal hashes are duplicates. */
  hash?: (id: string) => string | undefined;
  vectors?: (id: string) => ArrayLike<number> | undefined;
  /** Cosine above which two results count as the same; default 0.95. */
  threshold?: number;
}

/** Keeps the first (best) of each group of near-identical results, in the given order. */
export function removeNearDuplicates<T extends { id: string }>(results: readonly T[], options: NearDuplicateOptions): T[] {
  const threshold = options.threshold ?? 0.95;
  const hashes = new Set<string>();
  const keptVecs: ArrayLike<number>[] = [];
  const out: T[] = [];
  for (const r of results) {
    const h = options.hash?.(r.id);
    if (h !== undefined && hashes.has(h)) continue;
    const v = options.vectors?.(r.id);
    if (v && keptVecs.some((k) => cosine(k, v) > threshold)) continue;
    if (h !== undefined) hashes.add(h);
    if (v) keptVecs.push(v);
    out.push(r);
  }
  return out;
}

/**
 * Demotes repeats of one provenance: each result whose `source` key (e.g. its source message
 * ids) already appeared higher up is scaled by `factor` per earlier sibling, and the factor is
 * recorded as `sibling`. Results without a key are untouched. Re-sorts, best first.
 */
export function demoteSiblings(results: readonly Scored[], source: (id: string) => string | undefined, factor: number): Scored[] {
  const seen = new Map<string, number>();
  return results
    .map((r) => {
      const key = source(r.id);
      if (key === undefined) return r;
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      if (n === 0) return r;
      const f = Math.pow(factor, n);
      return { id: r.id, score: r.score * f, score_breakdown: { ...r.score_breakdown, sibling: f } };
    })
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
