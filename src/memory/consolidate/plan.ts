// Consolidation's decisions as pure functions: which memories are related enough to merge, the merged text, which are stale.
import { terms } from "../text";
import { readPreference } from "../preferences";
import { contradicts } from "../distill/policy";
import type { MemoryType } from "../types";
import type { ConsolidationConfig } from "./config";

/** What consolidation reads of one memory. */
export interface ConsolidationItem {
  id: string;
  seq: number;
  user_id: string | null;
  agent_id: string | null;
  type: MemoryType;
  text: string;
  entities: readonly string[];
  event_time: number | null;
  last_seen_at: number;
  last_access_at: number | null;
  vector?: Float32Array | undefined;
}

export interface MergeGroup {
  /** Oldest first (by seq): the order their statements are combined in. */
  members: ConsolidationItem[];
  /** The entity they share (the smallest by name, for a stable reason). */
  entity: string;
  similarity: number;
  /** More members were related than `max_group`: the rest are merged in a later run. */
  truncated: boolean;
}

export function jaccard(a: readonly string[], b: readonly string[]): number {
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size === 0 && sb.size === 0) return 0;
  let inter = 0;
  for (const t of sa) if (sb.has(t)) inter++;
  return inter / (sa.size + sb.size - inter);
}

export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

const norm = (e: string) => e.trim().toLowerCase();

/**
 * Whether two memories state opposite things (one negated, or preferences of opposite polarity):
 * a conflict is the dedup judge's to settle, never merged into one text.
 */
export function opposed(a: Pick<ConsolidationItem, "text" | "entities">, b: Pick<ConsolidationItem, "text" | "entities">): boolean {
  if (contradicts(a, b)) return true;
  const pa = readPreference(a.text);
  const pb = readPreference(b.text);
  return pa !== null && pb !== null && pa.polarity !== pb.polarity;
}

/** Similarity of two memories: lexical Jaccard over stemmed terms, or the vectors' cosine when that clears its own bar; 0 when they are opposed. */
export function similarity(a: ConsolidationItem, b: ConsolidationItem, config: Pick<ConsolidationConfig, "min_vector_similarity">): number {
  if (opposed(a, b)) return 0;
  const lexical = jaccard(terms(a.text), terms(b.text));
  const vector = a.vector && b.vector ? cosine(a.vector, b.vector) : 0;
  return vector >= config.min_vector_similarity ? Math.max(lexical, vector) : lexical;
}

/**
 * Groups of related memories: one user and agent, one type among `merge_types`, a shared entity,
 * and a chain of pairs at least `min_similarity` alike. Deterministic (by seq); each memory in at
 * most one group; a group holds at most `max_group` members (the oldest).
 */
export function planMerges(items: readonly ConsolidationItem[], config: ConsolidationConfig): MergeGroup[] {
  const sorted = [...items].filter((m) => config.merge_types.includes(m.type) && m.entities.length > 0).sort((a, b) => a.seq - b.seq);
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    let r = id;
    while (parent.get(r) !== r) r = parent.get(r) as string;
    parent.set(id, r);
    return r;
  };
  for (const m of sorted) parent.set(m.id, m.id);
  const best = new Map<string, { entity: string; similarity: number }>();
  // Buckets by scope, type and entity: only memories sharing all three are compared.
  const buckets = new Map<string, ConsolidationItem[]>();
  for (const m of sorted) {
    for (const e of new Set(m.entities.map(norm))) {
      const key = JSON.stringify([m.user_id, m.agent_id, m.type, e]);
      const list = buckets.get(key) ?? [];
      list.push(m);
      buckets.set(key, list);
    }
  }
  for (const [key, list] of [...buckets.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const entity = (JSON.parse(key) as [unknown, unknown, unknown, string])[3];
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i] as ConsolidationItem;
        const b = list[j] as ConsolidationItem;
        const s = similarity(a, b, config);
        if (s < config.min_similarity) continue;
        const ra = find(a.id);
        const rb = find(b.id);
        if (ra === rb) continue;
        const root = ra < rb ? ra : rb;
        parent.set(ra, root);
        parent.set(rb, root);
        const prev = [best.get(ra), best.get(rb)].filter((x): x is { entity: string; similarity: number } => x !== undefined);
        best.set(root, [...prev, { entity, similarity: s }].reduce((x, y) => (y.similarity > x.similarity ? y : x)));
      }
    }
  }
  const groups = new Map<string, ConsolidationItem[]>();
  for (const m of sorted) {
    const r = find(m.id);
    const g = groups.get(r) ?? [];
    g.push(m);
    groups.set(r, g);
  }
  const out: MergeGroup[] = [];
  for (const [root, members] of groups) {
    if (members.length < 2) continue;
    const info = best.get(root) ?? { entity: "", similarity: 0 };
    out.push({ members: members.slice(0, config.max_group), entity: info.entity, similarity: Math.round(info.similarity * 1000) / 1000, truncated: members.length > config.max_group });
  }
  return out.sort((a, b) => (a.members[0] as ConsolidationItem).seq - (b.members[0] as ConsolidationItem).seq);
}

/** Sentences of a text, trimmed, each ending in its punctuation. */
function sentences(text: string): string[] {
  return (text.match(/[^.!?]+[.!?]*/g) ?? []).map((s) => s.trim()).filter(Boolean);
}

/**
 * The merged memory's text by rule: every distinct statement of the originals, oldest first, once
 * (a statement whose terms another one already holds is dropped). Nothing is invented or lost.
 */
export function mergeTexts(texts: readonly string[]): string {
  const kept: Array<{ text: string; terms: Set<string> }> = [];
  for (const s of texts.flatMap(sentences)) {
    const t = new Set(terms(s));
    const key = s.toLowerCase().replace(/[\s.!?]+$/g, "");
    const covered = kept.some((k) => k.text.toLowerCase().replace(/[\s.!?]+$/g, "") === key || (t.size > 0 && [...t].every((x) => k.terms.has(x))));
    if (covered) continue;
    // A statement that holds an earlier one replaces it (it says the same and more).
    for (let i = kept.length - 1; i >= 0; i--) {
      const k = kept[i] as { text: string; terms: Set<string> };
      if (k.terms.size > 0 && [...k.terms].every((x) => t.has(x))) kept.splice(i, 1);
    }
    kept.push({ text: s, terms: t });
  }
  return kept.map((k) => (/[.!?]$/.test(k.text) ? k.text : `${k.text}.`)).join(" ");
}

/**
 * Memories whose time passed long ago and that nobody read since: a plan for a day a month gone
 * is no longer a plan. Their validity is closed (never deleted).
 */
export function planStale(items: readonly ConsolidationItem[], config: ConsolidationConfig, now: number): ConsolidationItem[] {
  const before = now - config.stale_after_ms;
  return items
    .filter((m) => config.stale_types.includes(m.type) && m.event_time !== null && m.event_time < before && Math.max(m.last_seen_at, m.last_access_at ?? 0) < before)
    .sort((a, b) => a.seq - b.seq);
}

/** The merged vector: the normalized mean of the members' vectors (all of one embedder and size), else none. */
export function meanVector(vectors: ReadonlyArray<Float32Array | undefined>): Float32Array | undefined {
  const present = vectors.filter((v): v is Float32Array => v !== undefined);
  const first = present[0];
  if (!first || present.length !== vectors.length || present.some((v) => v.length !== first.length)) return undefined;
  const out = new Float32Array(first.length);
  for (const v of present) for (let i = 0; i < v.length; i++) out[i] = (out[i] as number) + (v[i] as number);
  let n = 0;
  for (let i = 0; i < out.length; i++) n += (out[i] as number) ** 2;
  n = Math.sqrt(n);
  if (n === 0) return undefined;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / n;
  return out;
}
