// The cube's vectors: persisted as Float32 BLOBs (full precision, the source of truth), held in
// memory as an int8 QuantizedIndex (a quarter of the bytes) for brute-force cosine scans.
import { QuantizedIndex, type SearchHit } from "../../../src/memory/vectors/quantized-index";

/** A vector route hit: the memory's seq and its cosine with the query. */
export interface VectorHit {
  seq: number;
  score: number;
}

/** An index being read from SQLite in seq order, a step at a time. */
interface Loading {
  embedder: string;
  dimensions: number;
  index: QuantizedIndex;
  /** Highest seq read so far; rows above it are read by later steps. */
  after: number;
}

/** Rows per millisecond assumed for a load before any step was timed (about 50,000 a second). */
const DEFAULT_ROWS_PER_MS = 50;

/**
 * In-memory index of the cube's vectors, keyed by memory seq. It is read from the `vectors`
 * table when first needed, at once (`search`, `vectorOf`) or a step at a time (`loadStep`,
 * which the cube runs between requests), and kept in step by `put`/`remove` afterwards, also
 * while it is being read. It holds the vectors of one embedder (the one queries use): vectors of
 * another embedder are not comparable and wait for a re-embed; a query with a new embedder or
 * dimension rebuilds it.
 */
export class VectorCache {
  private index: QuantizedIndex | null = null;
  private embedder: string | null = null;
  private loading: Loading | null = null;
  /** Rows of the vectors table, counted once and kept in step by put/remove; null until asked. */
  private rows: number | null = null;
  private loadedRows = 0;
  private loadMs = 0;

  constructor(private readonly sql: SqlStorage) {}

  /** Whether the index for this embedder and dimension is in memory and complete. */
  ready(embedder: string, dimensions: number): boolean {
    return this.index !== null && this.embedder === embedder && this.index.dimensions === dimensions;
  }

  /** Rows still to read before the index of this embedder is ready (an upper bound: other embedders' rows count too). */
  remaining(embedder: string, dimensions: number): number {
    if (this.ready(embedder, dimensions)) return 0;
    const l = this.loading;
    const read = l && l.embedder === embedder && l.dimensions === dimensions ? l.index.size : 0;
    return Math.max(0, this.count() - read);
  }

  /** Milliseconds that reading `rows` more rows should take, from the steps timed so far. */
  estimateMs(rows: number): number {
    const perMs = this.loadMs > 0 && this.loadedRows > 10_000 ? this.loadedRows / this.loadMs : DEFAULT_ROWS_PER_MS;
    return rows / perMs;
  }

  /**
   * Reads up to `maxRows` more vectors of the embedder into the index being built, in seq order,
   * and answers whether the index is complete (then it is the one in use). A build for another
   * embedder or dimension is dropped and started over. Writes during a build reach the part
   * already read through `put`/`remove`; rows beyond it are read, as they are then, later.
   */
  loadStep(embedder: string, dimensions: number, maxRows: number): boolean {
    if (this.ready(embedder, dimensions)) return true;
    let l = this.loading;
    if (!l || l.embedder !== embedder || l.dimensions !== dimensions) {
      // Sized for every stored row (a count without a filter is cheap; one per embedder scans them all).
      l = this.loading = { embedder, dimensions, index: new QuantizedIndex(dimensions, this.count() + 64), after: -1 };
      this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('vector_index', ?)", JSON.stringify({ embedder, dimensions }));
    }
    const started = performance.now();
    const limit = Number.isFinite(maxRows) ? Math.max(1, Math.floor(maxRows)) : -1;
    let read = 0;
    for (const row of this.sql.exec<{ seq: number; data: ArrayBuffer }>(
      "SELECT seq, data FROM vectors WHERE seq > ? AND embedder = ? ORDER BY seq LIMIT ?",
      l.after,
      embedder,
      limit,
    )) {
      read++;
      l.after = row.seq;
      // Rows are Float32 BLOBs; a row of another length was written for another dimension.
      if (row.data.byteLength === dimensions * 4) l.index.add(String(row.seq), new Float32Array(row.data));
    }
    this.loadMs += performance.now() - started;
    this.loadedRows += read;
    if (limit !== -1 && read === limit) return false;
    this.index = l.index;
    this.embedder = embedder;
    this.loading = null;
    return true;
  }

  /**
   * The embedder and dimension of the index the cube last read or started to read (kept across
   * restarts), so that it can be read again in the background before a search needs it; null if none.
   */
  lastUsed(): { embedder: string; dimensions: number } | null {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'vector_index'").toArray()[0];
    return row ? (JSON.parse(row.value) as { embedder: string; dimensions: number }) : null;
  }

  private load(embedder: string, dimensions: number): QuantizedIndex {
    this.loadStep(embedder, dimensions, Number.POSITIVE_INFINITY);
    return this.index as QuantizedIndex;
  }

  put(seq: number, embedder: string, vector: Float32Array): void {
    if (this.rows !== null && this.sql.exec("SELECT 1 FROM vectors WHERE seq = ?", seq).toArray().length === 0) this.rows++;
    this.sql.exec(
      "INSERT INTO vectors (seq, embedder, data) VALUES (?, ?, ?) ON CONFLICT(seq) DO UPDATE SET embedder = excluded.embedder, data = excluded.data",
      seq,
      embedder,
      vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength),
    );
    if (this.index) {
      if (embedder === this.embedder && vector.length === this.index.dimensions) this.index.add(String(seq), vector);
      else this.index.remove(String(seq));
    }
    const l = this.loading;
    // A row not read yet is read, as it is now, by a later step.
    if (l && seq <= l.after) {
      if (embedder === l.embedder && vector.length === l.dimensions) l.index.add(String(seq), vector);
      else l.index.remove(String(seq));
    }
  }

  remove(seq: number): void {
    const cursor = this.sql.exec("DELETE FROM vectors WHERE seq = ?", seq);
    cursor.toArray();
    if (this.rows !== null) this.rows -= cursor.rowsWritten > 0 ? 1 : 0;
    this.index?.remove(String(seq));
    this.loading?.index.remove(String(seq));
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

  /** Vectors held in memory by the index in use (0 until one is complete). */
  get size(): number {
    return this.index?.size ?? 0;
  }

  /** Bytes of the in-memory index. */
  get byteLength(): number {
    return this.index?.byteLength ?? 0;
  }

  /**
   * Top `k` seqs by cosine among those `accept` keeps. `accept` is only asked about vectors
   * that would enter the current top k, so a per-seq SQL check stays cheap. Reads the rest of
   * the index first if it is not complete.
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
