// Which blocks a node keeps: heat per byte across every cube on it, each tenant's fair share first.
//
// A cube reports its users' heat (decayed access score) with each block it registers or refreshes.
// The bridge is the one place that sees every cube's blocks for a node, so it ranks them together:
// value = heat per byte (GreedyDual-Size-Frequency with the cube's decay standing in for aging: a
// hit saves one prefill whatever the block's size, so a small hot block is worth more per byte).
// Blocks whose cube reported no heat rank by recency alone, i.e. least recently used goes first.

export interface RankedBlock {
  id: string;
  tenant_id: string;
  size_bytes: number;
  /** Heat now, decayed since its report; 0 when the cube never reported any. */
  heat: number;
  pinned: boolean;
  last_used_at: number;
}

const value = (b: RankedBlock) => b.heat / Math.max(1, b.size_bytes);

/** Most valuable first: heat per byte, then most recently used, then id (deterministic). */
export function byValue(a: RankedBlock, b: RankedBlock): number {
  return value(b) - value(a) || b.last_used_at - a.last_used_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The ids of the blocks kept within `budget` bytes. Pinned blocks are always kept (the caller
 * refuses a pin that does not fit). The others go in order of value, in two passes: first each
 * tenant up to its fair share (what the pinned blocks leave, split evenly over the tenants with
 * unpinned blocks, a tenant's pinned bytes counting towards its share), then whatever still fits,
 * in the same order. So a tenant that reports huge heat cannot push another below its share,
 * and a share nobody needs is not wasted. A block that does not fit is skipped: smaller, less
 * valuable ones may still fit.
 */
export function keepWithin(blocks: readonly RankedBlock[], budget: number): Set<string> {
  const kept = new Set<string>();
  const usedBy = new Map<string, number>();
  let used = 0;
  for (const b of blocks) {
    if (!b.pinned) continue;
    kept.add(b.id);
    used += b.size_bytes;
    usedBy.set(b.tenant_id, (usedBy.get(b.tenant_id) ?? 0) + b.size_bytes);
  }
  const loose = blocks.filter((b) => !b.pinned).sort(byValue);
  const tenants = new Set(loose.map((b) => b.tenant_id)).size;
  const share = tenants > 0 ? Math.max(0, budget - used) / tenants : 0;
  const pass = (withinShare: boolean) => {
    for (const b of loose) {
      if (kept.has(b.id) || used + b.size_bytes > budget) continue;
      const mine = usedBy.get(b.tenant_id) ?? 0;
      if (withinShare && mine + b.size_bytes > share) continue;
      kept.add(b.id);
      used += b.size_bytes;
      usedBy.set(b.tenant_id, mine + b.size_bytes);
    }
  };
  pass(true);
  pass(false);
  return kept;
}
