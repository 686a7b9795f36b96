// Retrieval metrics for the benchmarks: evidence recall@k and latency percentiles.

/**
 * recall_any@k: 1 when any evidence id is among the ids of the top k results; recall_all@k:
 * 1 when every evidence id is. `retrieved` holds, per result in rank order, the evidence ids it
 * came from (a memory may come from several turns).
 */
export function recallAt(retrieved: readonly (readonly string[])[], evidence: readonly string[], k: number): { any: number; all: number } {
  const seen = new Set<string>();
  for (const ids of retrieved.slice(0, k)) for (const id of ids) seen.add(id);
  const hits = evidence.filter((e) => seen.has(e)).length;
  return { any: hits > 0 ? 1 : 0, all: evidence.length > 0 && hits === evidence.length ? 1 : 0 };
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when empty. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Accumulates recall_any/all at several k, overall and per group (e.g. QA category). */
export class RecallTable {
  private readonly sums = new Map<string, { n: number; any: number[]; all: number[] }>();
  constructor(readonly ks: readonly number[]) {}

  add(group: string, retrieved: readonly (readonly string[])[], evidence: readonly string[]): void {
    for (const g of ["all", group]) {
      let row = this.sums.get(g);
      if (!row) this.sums.set(g, (row = { n: 0, any: this.ks.map(() => 0), all: this.ks.map(() => 0) }));
      row.n++;
      this.ks.forEach((k, i) => {
        const r = recallAt(retrieved, evidence, k);
        row.any[i]! += r.any;
        row.all[i]! += r.all;
      });
    }
  }

  /** Mean recall per group: { group: { n, any: {k: value}, all: {k: value} } }. */
  result(): Record<string, { n: number; any: Record<number, number>; all: Record<number, number> }> {
    const out: Record<string, { n: number; any: Record<number, number>; all: Record<number, number> }> = {};
    for (const [g, row] of [...this.sums].sort(([a], [b]) => (a === "all" ? -1 : b === "all" ? 1 : a.localeCompare(b)))) {
      const any: Record<number, number> = {};
      const all: Record<number, number> = {};
      this.ks.forEach((k, i) => {
        any[k] = row.any[i]! / row.n;
        all[k] = row.all[i]! / row.n;
      });
      out[g] = { n: row.n, any, all };
    }
    return out;
  }

  format(label: string): string {
    const lines = [`${label}`];
    for (const [g, r] of Object.entries(this.result())) {
      const any = this.ks.map((k) => `R@${k} ${r.any[k]!.toFixed(3)}`).join("  ");
      const all = this.ks.map((k) => `${r.all[k]!.toFixed(3)}`).join(" ");
      lines.push(`  ${g.padEnd(8)} n=${String(r.n).padStart(4)}  any: ${any}   all: ${all}`);
    }
    return lines.join("\n");
  }
}
