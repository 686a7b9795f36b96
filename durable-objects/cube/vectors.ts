// The cube's vectors: persisted as Float32 BLOBs (full precision, the source of truth), held in
// memory as an int8 QuantizedIndex (a quarter of the bytes) for brute-force cosine scans.
import { QuantizedIndex, type SearchHit } from "../../src/memory/quantized-index";

/** A vector route hit: the memory's seq and its cosine with the query. */
export interface VectorHit {
  seq: number;
  score: number;
}

/**
 * In-memory index of the cube's vectors, keyed by memory seq. It is loaded from the `vectors`
 * table on first search and kept in step by `put`/`remove` afterwards. It holds the vectors of
 * one embedder (the one queries use): vectors of another embedder are not comparable and wait
 * for a re-embed; a query with a new embedder or dimension rebuilds it.
 */
export class VectorCache {
  private index: QuantizedIndex | null = null;
  private embedder: string | null = null;
  /** Rows of the vectors table, counted once and kept in step by put/remove; null until asked. */
  private rows: number | null = null;

  constructor(private readonly sql: SqlStorage) {}

  private load(embedder: string, dimensions: number): QuantizedIndex {
    if (this.index && this.embedder === embedder && this.index.dimensions === dimensions) return this.index;
    const count = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM vectors WHERE embedder = ?", embedder).one().n;
    const index = new QuantizedIndex(dimensions, count + 64);
    for (const row of this.sql.exec<{ seq: number; data: ArrayBuffer }>("SELECT seq, data FROM vectors WHERE embedder = ?", embedder)) {
      // Rows are Float32 BLOBs; a row of another length was written for another dimension.
      if (row.data.byteLength !== dimensions * 4) continue;
      index.add(String(row.seq), new Float32Array(row.data));
    }
    this.index = index;
    this.embedder = embedder;
    return index;
  }

  put(seq: number, embedder: string, vector: Float32Array): void {
    if (this.rows !== null && this.sql.exec("SELECT 1 FROM vectors WHERE seq = ?", seq).toArray().length === 0) this.rows++;
    this.sql.exec(
      "INSERT INTO vectors (seq, embedder, data) VALUES (?, ?, ?) ON CONFLICT(seq) DO UPDATE SET embedder = excluded.embedder, data = excluded.data",
      seq,
      embedder,
      vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength),
    );
    if (!this.index) return;
    if (embedder === this.embedder && vector.length === this.index.dimensions) this.index.add(String(seq), vector);
    else this.index.remove(String(seq));
  }

  remove(seq: number): void {
    const cursor = this.sql.exec("DELETE FROM vectors WHERE seq = ?", seq);
    cursor.toArray();
    if (this.rows !== null) this.rows -= cursor.rowsWritten > 0 ? 1 : 0;
    this.index?.remove(String(seq));
  }

  /** Vectors stored in the cube (deleted memories' vectors are removed), without loading them. */
  count(): number {
    if (this.rows === null) this.rows = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM vectors").one().n;
    return this.rows;
  }

  /** Stored vectors read from SQLite in one query, for a search that does not load the in-memory index. */
  stored(embedder: string, dimensions: number, seqs: readonly number[]): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>();
    if (seqs.length === 0) return out;
    for (const row of this.sql.exec<{ seq: number; data: ArrayBuffer }>(
      "SELECT seq, data FROM vectors WHERE seq IN (SELECT value FROM json_each(?)) AND embedder = ?",
      JSON.stringify(seqs),
      embedder,
    )) {
      if (row.data.byteLength === dimensions * 4) out.set(row.seq, new Float32Array(row.data));
    }
    return out;
  }

  /** Vectors held in memory (0 until the first search loads them). */
  get size(): number {
    return this.index?.size ?? 0;
  }

  /** Bytes of the in-memory index. */
  get byteLength(): number {
    return this.index?.byteLength ?? 0;
  }

  /**
   * Top `k` seqs by cosine among those `accept` keeps. `accept` is only asked about vectors
   * that would enter the current top k, so a per-seq SQL check stays cheap.
   */
  search(embedder: string, query: Float32Array, k: number, accept: (seq: number) => boolean): VectorHit[] {
    const index = this.load(embedder, query.length);
    return index.search(query, k, (id) => accept(Number(id))).map((h: SearchHit) => ({ seq: Number(h.id), score: h.score }));
  }

  /** The (dequantized) vector of a seq, for MMR and near-duplicate checks; loads on demand. */
  vectorOf(embedder: string, dimensions: number, seq: number): Float32Array | undefined {
    return this.load(embedder, dimensions).get(String(seq));
  }
}
