// Query analysis and scoring rules of the retrieval routes that need no storage: FTS5 MATCH
// building, entity name candidates, spreading keyword evidence to neighbouring turns, weights.
import { isStopWord, normalize, tokenize } from "../text";
import type { RouteWeights, SearchRoute } from "../cube-contract";

/** Most distinct query words sent to FTS5; longer queries keep their first words. */
const MAX_MATCH_TERMS = 32;

/** Distinct content words of a query, lowercase, stop words dropped, in order. */
export function queryWords(query: string): string[] {
  const out: string[] = [];
  for (const tok of tokenize(query)) if (!isStopWord(tok) && !out.includes(tok)) out.push(tok);
  return out.slice(0, MAX_MATCH_TERMS);
}

export interface MatchOptions {
  /** Words at least this long also match as a prefix ("paint"* finds painting); 0 disables. */
  prefixMin?: number;
  /** Restrict to one FTS column, e.g. "entities". */
  column?: string;
}

/**
 * An FTS5 MATCH expression that ORs the words. Each word is a quoted string (tokens are letters
 * and digits only, and any `"` would be doubled), so no FTS5 operator or column filter in the
 * user's query can take effect. The table's porter tokenizer stems the quoted words itself.
 */
export function ftsMatch(words: readonly string[], options: MatchOptions = {}): string | null {
  if (words.length === 0) return null;
  const prefixMin = options.prefixMin ?? 0;
  const parts = words.map((w) => {
    const quoted = `"${w.replace(/"/g, '""')}"`;
    return prefixMin > 0 && w.length >= prefixMin ? `${quoted}*` : quoted;
  });
  const expr = parts.join(" OR ");
  return options.column ? `${options.column} : (${expr})` : expr;
}

/**
 * Names the query may contain, normalized like entity names are: every run of 1 to 3 tokens
 * that is not only stop words ("Caroline", "new york", "dr smith"). Lookups are exact, so
 * extra candidates cost nothing but a longer IN list.
 */
export function entityCandidates(query: string, maxLen = 3): string[] {
  const toks = tokenize(query);
  const out = new Set<string>();
  for (let i = 0; i < toks.length; i++) {
    for (let n = 1; n <= maxLen && i + n <= toks.length; n++) {
      const gram = toks.slice(i, i + n);
      if (gram.every(isStopWord)) continue;
      if (isStopWord(gram[0]!) || isStopWord(gram[gram.length - 1]!)) continue;
      out.add(normalize(gram.join(" ")));
    }
  }
  return [...out].slice(0, 90);
}

/**
 * Words of the query that may be a short form of a name ("Mel" for Melanie): capitalized, not
 * the first word (which is capitalized anyway), at least three letters, lowercased.
 */
export function nicknameCandidates(query: string): string[] {
  const out = new Set<string>();
  const words = [...query.matchAll(/\p{L}+/gu)];
  for (const m of words.slice(1)) {
    const w = m[0];
    if (w.length >= 3 && w.length <= 12 && /^\p{Lu}\p{Ll}+$/u.test(w) && !isStopWord(w.toLowerCase())) out.add(w.toLowerCase());
  }
  return [...out].slice(0, 8);
}

export interface ScoredSeq {
  seq: number;
  score: number;
}

/**
 * Conversation turns are often only meaningful beside the turn before or after them (a question
 * and its answer). Each hit lends `alpha` of its score to the memories adjacent to it in the
 * same session; `neighbours` maps a seq to its adjacent seqs that pass the filter.
 * Returns every hit and lent-to neighbour, best first.
 */
export function spreadToNeighbours(hits: readonly ScoredSeq[], neighbours: ReadonlyMap<number, readonly number[]>, alpha: number): ScoredSeq[] {
  const score = new Map<number, number>();
  for (const h of hits) score.set(h.seq, (score.get(h.seq) ?? 0) + h.score);
  if (alpha > 0) {
    for (const h of hits) {
      for (const n of neighbours.get(h.seq) ?? []) score.set(n, (score.get(n) ?? 0) + alpha * h.score);
    }
  }
  return [...score].map(([seq, s]) => ({ seq, score: s })).sort((a, b) => b.score - a.score || a.seq - b.seq);
}

/** Words that ask for what is latest; only then does the recency route get a default weight. */
const RECENCY_CUE = /\b(latest|most recent|recent(ly)?|current(ly)?|now|nowadays|these days|newest|last time|lately|still)\b/i;

export function asksForRecent(query: string): boolean {
  return RECENCY_CUE.test(query);
}

/**
 * Default route weights. The embedded lexical embedder largely repeats the keyword route and,
 * measured on LoCoMo, lowers recall when fused at full weight, so it gets a small weight; a
 * semantic embedder (Workers AI, OpenAI-compatible) carries as much weight as keywords.
 */
export function defaultWeights(embedderId: string, query = ""): Required<RouteWeights> {
  const lexical = embedderId.startsWith("local");
  // Recency as a route only when the query asks for it: otherwise ordering by date is a bias
  // (on LoCoMo a weight of 0.1 cost 0.02 of recall@1); decay still applies.
  return { vector: lexical ? 0.1 : 1, keyword: 1, entity: 0.3, time: 0.5, recency: asksForRecent(query) ? 0.3 : 0 };
}

/** Weights with the request's overrides applied. */
export function resolveWeights(embedderId: string, query: string, given: RouteWeights | undefined): Record<SearchRoute, number> {
  return { ...defaultWeights(embedderId, query), ...(given ?? {}) };
}

/** Restricts a ranked list to `keep`, then appends the rest of `keep` in its own order. */
export function restrictThenAppend(ranked: readonly number[], keep: ReadonlySet<number>, rest: readonly number[], depth: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (const s of ranked) if (keep.has(s) && !seen.has(s)) (out.push(s), seen.add(s));
  for (const s of rest) if (!seen.has(s)) (out.push(s), seen.add(s));
  return out.slice(0, depth);
}
