// Parameter memory's policy as pure functions: which memories are stable enough to distill, and when an adapter is out of date.
import { terms } from "../text";
import type { MemoryType } from "../types";
import type { DistillConfig } from "./config";

/** Types that state lasting knowledge about a user (plans and events pass, messages are raw). */
export const DISTILL_TYPES: readonly MemoryType[] = ["fact", "preference", "relationship"];

/** What the policy reads of one memory. */
export interface DistillItem {
  id: string;
  version: number;
  user_id: string | null;
  type: MemoryType;
  text: string;
  entities: readonly string[];
  created_at: number;
  /** Times the memory was stated: 1 when added, one more each time a repeat folded into it. */
  seen_count: number;
  access_count: number;
}

export interface Source {
  id: string;
  version: number;
}

const NEGATION = /\b(not|no|never|none|nobody|nothing|nowhere|neither|nor|without|dislikes?|hates?|stopped|quit|no longer)\b|n't\b/i;

/**
 * Whether two memories of one user contradict each other: they share an entity, say nearly the
 * the same thing in words (Jaccard of their terms at least 0.6), and exactly one of them is negated ("Ann eats meat" / "Ann does not eat
 * meat"). Neither is distilled while both are open: the conflict is not settled.
 */
export function contradicts(a: Pick<DistillItem, "text" | "entities">, b: Pick<DistillItem, "text" | "entities">): boolean {
  const ea = new Set(a.entities.map((e) => e.toLowerCase()));
  if (!b.entities.some((e) => ea.has(e.toLowerCase()))) return false;
  if (NEGATION.test(a.text) === NEGATION.test(b.text)) return false;
  const ta = new Set(terms(a.text));
  const tb = new Set(terms(b.text));
  // Negation words are stop words, so "does not eat meat" and "eats meat" have the same terms.
  const shared = [...ta].filter((t) => tb.has(t)).length;
  return shared / Math.max(1, ta.size + tb.size - shared) >= 0.6;
}

/**
 * The memories of one user stable enough to distill, in a deterministic order (most confirmed,
 * then oldest, then id), at most `max_examples`: old enough, confirmed often enough, read often
 * enough, of a lasting type, in no open conflict. `items` are the user's live (active, open)
 * memories only, so superseded ones never qualify.
 */
export function selectStable(items: readonly DistillItem[], config: DistillConfig, now: number): DistillItem[] {
  const typed = items.filter((m) => DISTILL_TYPES.includes(m.type));
  const conflicted = new Set<string>();
  // Only memories sharing an entity can contradict each other: compared within each entity's bucket.
  const buckets = new Map<string, DistillItem[]>();
  for (const m of typed) {
    for (const e of new Set(m.entities.map((x) => x.toLowerCase()))) buckets.set(e, [...(buckets.get(e) ?? []), m]);
  }
  for (const list of buckets.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i] as DistillItem;
        const b = list[j] as DistillItem;
        if (contradicts(a, b)) {
          conflicted.add(a.id);
          conflicted.add(b.id);
        }
      }
    }
  }
  return typed
    .filter((m) => !conflicted.has(m.id) && now - m.created_at >= config.min_age_ms && m.seen_count >= config.min_confirmations && m.access_count >= config.min_accesses)
    .sort((a, b) => b.seen_count - a.seen_count || a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, config.max_examples);
}

/**
 * How much of what an adapter was trained on differs from what is stable now: sources changed
 * (new version) or gone, and stable memories it does not hold, over the larger of the two sets.
 */
export function changedShare(trained: readonly Source[], stable: readonly Source[]): number {
  const now = new Map(stable.map((s) => [s.id, s.version]));
  const had = new Map(trained.map((s) => [s.id, s.version]));
  let changed = 0;
  for (const s of trained) if (now.get(s.id) !== s.version) changed++;
  for (const s of stable) if (!had.has(s.id)) changed++;
  const base = Math.max(trained.length, stable.length);
  return base === 0 ? 0 : changed / base;
}

/** Milliseconds before the `polls`-th poll of a running job: `poll_ms`, doubling, at most `poll_max_ms`. */
export function pollDelayMs(polls: number, config: Pick<DistillConfig, "poll_ms" | "poll_max_ms">): number {
  return Math.min(config.poll_max_ms, config.poll_ms * 2 ** Math.max(0, Math.min(30, polls)));
}

/** Milliseconds a user waits after the `failures`-th failed job in a row: 1 min, doubling, at most a day. */
export function retryDelayMs(failures: number): number {
  return Math.min(86_400_000, 60_000 * 2 ** Math.max(0, Math.min(20, failures - 1)));
}
