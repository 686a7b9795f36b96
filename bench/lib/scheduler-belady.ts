// Belady's optimal eviction, offline, over a trace of block requests with sizes under a byte budget.

export interface BlockRequest {
  key: string;
  bytes: number;
}

/**
 * Hits of the clairvoyant cache: on a miss the block is admitted (if it fits at all) and, while
 * over the budget, the resident block whose next request is farthest away (or never) is evicted;
 * that may be the block just admitted, which is then not kept (bypass). With equal sizes this is
 * Belady's MIN; with sizes it is the usual farthest-next-use generalisation, an upper bound in
 * practice for the online policies measured beside it.
 */
export function beladyHits(trace: readonly BlockRequest[], budgetBytes: number): boolean[] {
  const nextUse: number[] = new Array<number>(trace.length);
  const seen = new Map<string, number>();
  for (let i = trace.length - 1; i >= 0; i--) {
    const k = (trace[i] as BlockRequest).key;
    nextUse[i] = seen.get(k) ?? Number.POSITIVE_INFINITY;
    seen.set(k, i);
  }
  const resident = new Map<string, { bytes: number; next: number }>();
  let used = 0;
  const hits: boolean[] = [];
  trace.forEach((r, i) => {
    const held = resident.get(r.key);
    hits.push(held !== undefined);
    if (held) {
      used += r.bytes - held.bytes;
      resident.set(r.key, { bytes: r.bytes, next: nextUse[i] as number });
    } else {
      resident.set(r.key, { bytes: r.bytes, next: nextUse[i] as number });
      used += r.bytes;
    }
    while (used > budgetBytes && resident.size) {
      let victim = "";
      let far = -1;
      for (const [k, v] of resident) if (v.next > far) ((far = v.next), (victim = k));
      used -= (resident.get(victim) as { bytes: number }).bytes;
      resident.delete(victim);
    }
  });
  return hits;
}

/** A seeded PRNG (mulberry32): the same trace on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks ranks 0..n-1 with Zipf(s) probabilities. */
export function zipf(n: number, s: number, random: () => number): () => number {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf: number[] = [];
  let acc = 0;
  for (const w of weights) cdf.push((acc += w / total));
  return () => {
    const u = random();
    const i = cdf.findIndex((c) => u <= c);
    return i < 0 ? n - 1 : i;
  };
}
