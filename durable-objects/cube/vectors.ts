// The cube's vectors: persisted as Float32 BLOBs, held in memory for brute-force scans.

/** In-memory copy of the cube's vectors, keyed by memory seq; loaded once, then kept in step. */
export class VectorCache {
  private readonly bySeq = new Map<number, Float32Array>();
  private loaded = false;

  constructor(private readonly sql: SqlStorage) {}

  private ensureLoaded(embedder: string): void {
    if (this.loaded) return;
    for (const row of this.sql.exec<{ seq: number; embedder: string; data: ArrayBuffer }>(
      "SELECT seq, embedder, data FROM vectors",
    )) {
      // Vectors from another embedder are not comparable with today's queries; they wait for a re-embed.
      if (row.embedder === embedder) this.bySeq.set(row.seq, new Float32Array(row.data));
    }
    this.loaded = true;
  }

  put(seq: number, embedder: string, vector: Float32Array): void {
    this.sql.exec(
      "INSERT INTO vectors (seq, embedder, data) VALUES (?, ?, ?) ON CONFLICT(seq) DO UPDATE SET embedder = excluded.embedder, data = excluded.data",
      seq,
      embedder,
      vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength),
    );
    if (this.loaded) this.bySeq.set(seq, vector);
  }

  remove(seq: number): void {
    this.sql.exec("DELETE FROM vectors WHERE seq = ?", seq);
    this.bySeq.delete(seq);
  }

  get size(): number {
    return this.bySeq.size;
  }

  /** Top `k` seqs by cosine (vectors are unit length, so a dot product), among those `accept` keeps. */
  search(embedder: string, query: Float32Array, k: number, accept: (seq: number) => boolean): Array<{ seq: number; score: number }> {
    this.ensureLoaded(embedder);
    const top: Array<{ seq: number; score: number }> = [];
    for (const [seq, v] of this.bySeq) {
      if (v.length !== query.length) continue;
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += (v[i] as number) * (query[i] as number);
      if (top.length === k && dot <= (top[k - 1] as { score: number }).score) continue;
      if (!accept(seq)) continue;
      top.push({ seq, score: dot });
      top.sort((a, b) => b.score - a.score);
      if (top.length > k) top.pop();
    }
    return top;
  }
}
