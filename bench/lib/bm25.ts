// Plain BM25 (Robertson/Sparck Jones idf, k1 1.2, b 0.75) over a fixed set of documents.

/** Lowercase alphanumeric tokens, no stemming: the baseline tokenizer of the LoCoMo README. */
export function plainTokens(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

export interface Bm25Options {
  k1?: number;
  b?: number;
}

export class Bm25 {
  private readonly postings = new Map<string, { doc: number; tf: number }[]>();
  private readonly lengths: number[];
  private readonly avgLen: number;
  private readonly k1: number;
  private readonly b: number;

  /** `docs` are already tokenized; document i keeps index i in the scores. */
  constructor(docs: readonly (readonly string[])[], options: Bm25Options = {}) {
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    this.lengths = docs.map((d) => d.length);
    this.avgLen = this.lengths.reduce((s, x) => s + x, 0) / Math.max(1, docs.length);
    docs.forEach((tokens, doc) => {
      const tf = new Map<string, number>();
      for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [term, n] of tf) {
        let list = this.postings.get(term);
        if (!list) this.postings.set(term, (list = []));
        list.push({ doc, tf: n });
      }
    });
  }

  get size(): number {
    return this.lengths.length;
  }

  /** idf = ln(1 + (N - df + 0.5) / (df + 0.5)), never negative. */
  idf(term: string): number {
    const df = this.postings.get(term)?.length ?? 0;
    return Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
  }

  /** Scores of every document for the query tokens (repeated query terms count once each time). */
  scores(query: readonly string[]): Float64Array {
    const out = new Float64Array(this.size);
    for (const term of query) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = this.idf(term);
      for (const { doc, tf } of list) {
        const len = this.lengths[doc]!;
        out[doc]! += (idf * tf * (this.k1 + 1)) / (tf + this.k1 * (1 - this.b + (this.b * len) / this.avgLen));
      }
    }
    return out;
  }

  /** Indices of the best `k` documents with a positive score, best first; ties by index. */
  rank(query: readonly string[], k: number): number[] {
    const s = this.scores(query);
    const idx: number[] = [];
    for (let i = 0; i < s.length; i++) if (s[i]! > 0) idx.push(i);
    idx.sort((a, b) => s[b]! - s[a]! || a - b);
    return idx.slice(0, k);
  }
}
