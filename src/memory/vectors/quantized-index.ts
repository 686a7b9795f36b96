// In-memory int8-quantized vector store of one cube: brute-force cosine scan over typed arrays.
// 100,000 vectors of 384 dimensions take 38 MB of codes plus 0.8 MB of scales.

/** One vector quantized symmetrically: value ≈ code * scale, codes in -127..127. */
export interface Quantized {
  codes: Int8Array;
  scale: number;
}

/** Quantizes with a per-vector scale (max |value| / 127). */
export function quantize(values: ArrayLike<number>): Quantized {
  const n = values.length;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(values[i]!);
    if (a > max) max = a;
  }
  const codes = new Int8Array(n);
  const scale = max > 0 ? max / 127 : 0;
  if (scale > 0) for (let i = 0; i < n; i++) codes[i] = Math.round(values[i]! / scale);
  return { codes, scale };
}

export function dequantize(q: Quantized): Float32Array {
  const out = new Float32Array(q.codes.length);
  for (let i = 0; i < out.length; i++) out[i] = q.codes[i]! * q.scale;
  return out;
}

/** BLOB layout for storage: float32 little-endian scale, then one byte per dimension. */
export function encode(values: ArrayLike<number>): Uint8Array {
  const { codes, scale } = quantize(values);
  const out = new Uint8Array(4 + codes.length);
  new DataView(out.buffer).setFloat32(0, scale, true);
  out.set(new Uint8Array(codes.buffer, codes.byteOffset, codes.length), 4);
  return out;
}

/** Reads a BLOB written by `encode` (any ArrayBuffer or view, as SQLite hands it back). */
export function decode(blob: ArrayBuffer | ArrayBufferView): Quantized {
  const bytes = blob instanceof ArrayBuffer ? new Uint8Array(blob) : new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
  if (bytes.length < 4) throw new RangeError("quantized vector blob is shorter than its header");
  const scale = new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
  const codes = new Int8Array(bytes.length - 4);
  codes.set(new Int8Array(bytes.buffer, bytes.byteOffset + 4, bytes.length - 4));
  return { codes, scale };
}

export interface SearchHit {
  id: string;
  slot: number;
  /** Cosine similarity between the query and the quantized vector. */
  score: number;
}

/** Rows as the cube reads them back from SQLite for a bulk rebuild. */
export type IndexRow = { id: string; blob: ArrayBuffer | ArrayBufferView } | { id: string; values: ArrayLike<number> };

/**
 * Vectors by id, quantized to int8. `add` replaces an existing id; `remove` leaves a tombstone
 * whose slot the next `add` reuses, and `compact` packs live vectors to the front when
 * tombstones pile up (it runs by itself when more than half of the slots are dead).
 */
export class QuantizedIndex {
  private codes: Int8Array;
  private scales: Float32Array; // dequantization scale; 0 marks an empty slot
  private invNorms: Float32Array; // 1 / |codes| for cosine, 0 for empty slots
  private ids: (string | null)[] = [];
  private readonly slots = new Map<string, number>();
  private free: number[] = [];
  private highWater = 0; // slots in use or tombstoned: the scan range

  constructor(
    readonly dimensions: number,
    initialCapacity = 1024,
  ) {
    if (!Number.isInteger(dimensions) || dimensions <= 0) throw new RangeError("dimensions must be a positive integer");
    const cap = Math.max(16, initialCapacity);
    this.codes = new Int8Array(cap * dimensions);
    this.scales = new Float32Array(cap);
    this.invNorms = new Float32Array(cap);
  }

  get size(): number {
    return this.slots.size;
  }

  get capacity(): number {
    return this.scales.length;
  }

  /** Bytes held by the typed arrays. */
  get byteLength(): number {
    return this.codes.byteLength + this.scales.byteLength + this.invNorms.byteLength;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  slotOf(id: string): number | undefined {
    return this.slots.get(id);
  }

  idAt(slot: number): string | null {
    return this.ids[slot] ?? null;
  }

  add(id: string, values: ArrayLike<number>): void {
    if (values.length !== this.dimensions) throw new RangeError(`vector has ${values.length} dimensions, index has ${this.dimensions}`);
    this.addQuantized(id, quantize(values));
  }

  /** Adds an already quantized vector (from `decode`) without re-quantizing. */
  addQuantized(id: string, q: Quantized): void {
    if (q.codes.length !== this.dimensions) throw new RangeError(`vector has ${q.codes.length} dimensions, index has ${this.dimensions}`);
    let slot = this.slots.get(id);
    if (slot === undefined) {
      slot = this.free.pop() ?? this.highWater++;
      if (slot >= this.capacity) this.grow(slot + 1);
      this.slots.set(id, slot);
      this.ids[slot] = id;
    }
    this.codes.set(q.codes, slot * this.dimensions);
    let sq = 0;
    for (let i = 0; i < q.codes.length; i++) sq += q.codes[i]! * q.codes[i]!;
    // A zero vector keeps a tiny scale so the slot still reads as occupied; it scores 0.
    this.scales[slot] = q.scale > 0 ? q.scale : Number.MIN_VALUE;
    this.invNorms[slot] = sq > 0 ? 1 / Math.sqrt(sq) : 0;
  }

  remove(id: string): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    this.slots.delete(id);
    this.ids[slot] = null;
    this.scales[slot] = 0;
    this.invNorms[slot] = 0;
    this.free.push(slot);
    if (this.free.length > 64 && this.free.length * 2 > this.highWater) this.compact();
    return true;
  }

  /** The dequantized vector of an id, for exact re-ranking or export. */
  get(id: string): Float32Array | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined) return undefined;
    const base = slot * this.dimensions;
    return dequantize({ codes: this.codes.subarray(base, base + this.dimensions), scale: this.scales[slot]! });
  }

  /** Replaces the whole content with `rows` (bulk rebuild on object start). */
  load(rows: Iterable<IndexRow>): void {
    const list = Array.isArray(rows) ? (rows as IndexRow[]) : [...rows];
    this.slots.clear();
    this.ids = [];
    this.free = [];
    this.highWater = 0;
    const cap = Math.max(16, list.length);
    this.codes = new Int8Array(cap * this.dimensions);
    this.scales = new Float32Array(cap);
    this.invNorms = new Float32Array(cap);
    for (const row of list) {
      if ("blob" in row) this.addQuantized(row.id, decode(row.blob));
      else this.add(row.id, row.values);
    }
  }

  /** Moves live vectors to the front so scans skip no tombstones; slots change. */
  compact(): void {
    const d = this.dimensions;
    let w = 0;
    for (let r = 0; r < this.highWater; r++) {
      const id = this.ids[r];
      if (id === null || id === undefined) continue;
      if (w !== r) {
        this.codes.copyWithin(w * d, r * d, r * d + d);
        this.scales[w] = this.scales[r]!;
        this.invNorms[w] = this.invNorms[r]!;
        this.ids[w] = id;
        this.slots.set(id, w);
      }
      w++;
    }
    this.scales.fill(0, w, this.highWater);
    this.invNorms.fill(0, w, this.highWater);
    this.ids.length = w;
    this.highWater = w;
    this.free = [];
  }

  /**
   * The k live vectors most cosine-similar to `query`, best first. `accept` (optional) is asked
   * only about vectors that would enter the current top k, so a costly filter runs rarely.
   */
  search(query: ArrayLike<number>, k: number, accept?: (id: string, slot: number) => boolean): SearchHit[] {
    if (query.length !== this.dimensions) throw new RangeError(`query has ${query.length} dimensions, index has ${this.dimensions}`);
    if (k <= 0 || this.slots.size === 0) return [];
    const d = this.dimensions;
    const q = query instanceof Float32Array ? query : Float32Array.from(query);
    let qn = 0;
    for (let i = 0; i < d; i++) qn += q[i]! * q[i]!;
    const qInv = qn > 0 ? 1 / Math.sqrt(qn) : 0;
    const heap = new TopK(Math.min(k, this.slots.size));
    const codes = this.codes;
    const invNorms = this.invNorms;
    const scales = this.scales;
    for (let slot = 0, base = 0; slot < this.highWater; slot++, base += d) {
      if (scales[slot] === 0) continue;
      // Four accumulators: about a sixth faster in V8 than one (independent adds pipeline).
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      let j = 0;
      for (; j + 3 < d; j += 4) {
        const o = base + j;
        d0 += q[j]! * codes[o]!;
        d1 += q[j + 1]! * codes[o + 1]!;
        d2 += q[j + 2]! * codes[o + 2]!;
        d3 += q[j + 3]! * codes[o + 3]!;
      }
      for (; j < d; j++) d0 += q[j]! * codes[base + j]!;
      const score = (d0 + d1 + d2 + d3) * invNorms[slot]! * qInv;
      if (!heap.wouldAccept(score)) continue;
      if (accept && !accept(this.ids[slot]!, slot)) continue;
      heap.push(score, slot);
    }
    return heap.sorted().map(({ score, slot }) => ({ id: this.ids[slot]!, slot, score }));
  }

  private grow(min: number): void {
    let cap = this.capacity;
    while (cap < min) cap *= 2;
    const codes = new Int8Array(cap * this.dimensions);
    codes.set(this.codes);
    const scales = new Float32Array(cap);
    scales.set(this.scales);
    const inv = new Float32Array(cap);
    inv.set(this.invNorms);
    this.codes = codes;
    this.scales = scales;
    this.invNorms = inv;
  }
}

/** Bounded min-heap of (score, slot): keeps the k largest scores seen. */
export class TopK {
  private readonly scores: Float64Array;
  private readonly slots: Int32Array;
  private n = 0;

  constructor(readonly k: number) {
    this.scores = new Float64Array(Math.max(1, k));
    this.slots = new Int32Array(Math.max(1, k));
  }

  get length(): number {
    return this.n;
  }

  wouldAccept(score: number): boolean {
    return this.k > 0 && (this.n < this.k || score > this.scores[0]!);
  }

  push(score: number, slot: number): void {
    if (this.n < this.k) {
      let i = this.n++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (this.scores[p]! <= score) break;
        this.scores[i] = this.scores[p]!;
        this.slots[i] = this.slots[p]!;
        i = p;
      }
      this.scores[i] = score;
      this.slots[i] = slot;
      return;
    }
    if (score <= this.scores[0]!) return;
    // Replace the root and sift down.
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.n) break;
      const r = l + 1;
      const c = r < this.n && this.scores[r]! < this.scores[l]! ? r : l;
      if (this.scores[c]! >= score) break;
      this.scores[i] = this.scores[c]!;
      this.slots[i] = this.slots[c]!;
      i = c;
    }
    this.scores[i] = score;
    this.slots[i] = slot;
  }

  /** Entries best first; ties by lower slot first. */
  sorted(): { score: number; slot: number }[] {
    const out: { score: number; slot: number }[] = [];
    for (let i = 0; i < this.n; i++) out.push({ score: this.scores[i]!, slot: this.slots[i]! });
    return out.sort((a, b) => b.score - a.score || a.slot - b.slot);
  }
}
