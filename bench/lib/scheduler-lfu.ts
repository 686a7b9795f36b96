// Online LFU over a trace of block requests with sizes under a byte budget: the simple coordinated policy.
import type { BlockRequest } from "./scheduler-belady.ts";

/**
 * Hits of a cache that, after every request, holds the blocks with the most requests so far per
 * byte that fit in the budget (greedy, ties by most recent request): what one ranking across all
 * users can do online, with no decay, no warm-up cost and no conversation sharing the cache. A
 * request hits when its block was held before it arrived.
 */
export function lfuHits(trace: readonly BlockRequest[], budgetBytes: number): boolean[] {
  const count = new Map<string, number>();
  const bytes = new Map<string, number>();
  const last = new Map<string, number>();
  let held = new Set<string>();
  return trace.map((r, i) => {
    const hit = held.has(r.key);
    count.set(r.key, (count.get(r.key) ?? 0) + 1);
    bytes.set(r.key, r.bytes);
    last.set(r.key, i);
    const ranked = [...count.keys()].sort((a, b) => (count.get(b) as number) / Math.max(1, bytes.get(b) as number) - (count.get(a) as number) / Math.max(1, bytes.get(a) as number) || (last.get(b) as number) - (last.get(a) as number));
    const next = new Set<string>();
    let used = 0;
    for (const k of ranked) {
      const size = bytes.get(k) as number;
      if (used + size > budgetBytes) continue;
      next.add(k);
      used += size;
    }
    held = next;
    return hit;
  });
}
