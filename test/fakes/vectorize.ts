// A fake of the Vectorize binding that behaves like it: global ids, namespaces, metadata indexes,
// mutations that become visible later, the documented operators and limits.
import { VECTORIZE_MAX_METADATA_INDEXES, VECTORIZE_METADATA_INDEXES, type MetadataIndexType, type VectorizeLike } from "../../src/providers/vectorize-index";

type Metadata = Record<string, VectorizeVectorMetadata>;
type Scalar = string | number | boolean | null;

interface Stored {
  id: string;
  values: number[];
  namespace: string | undefined;
  metadata: Metadata;
  /** The values of the metadata indexes that existed when the vector was written: all a filter sees. */
  indexed: Map<string, Scalar>;
}

type Mutation = { kind: "upsert"; vectors: VectorizeVector[] } | { kind: "delete"; ids: string[] };

export interface FakeVectorizeOptions {
  /** Time from a mutation's answer until queries see it (Vectorize: "typically a few seconds"). */
  visibilityMs?: number;
  /** Clock of the fake; tests may drive it. */
  now?: () => number;
  /** Metadata indexes created before any vector; default: every field the adapter filters on. */
  metadataIndexes?: readonly { property: string; type: MetadataIndexType }[];
}

const OPERATORS = new Set(["$eq", "$ne", "$in", "$nin", "$lt", "$lte", "$gt", "$gte"]);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A string index keeps the first 64 bytes of the value, cut on a character boundary. */
function indexedString(v: string): string {
  const bytes = encoder.encode(v);
  if (bytes.length <= 64) return v;
  let end = 64;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return decoder.decode(bytes.subarray(0, end));
}

function indexValue(v: VectorizeVectorMetadata | undefined, type: MetadataIndexType): Scalar | undefined {
  if (typeof v === "string" && type === "string") return indexedString(v);
  if (typeof v === "number" && type === "number") return v;
  if (typeof v === "boolean" && type === "boolean") return v;
  return undefined;
}

function checkFilter(filter: VectorizeVectorMetadataFilter): void {
  const keys = Object.keys(filter);
  if (keys.length === 0) throw new Error("VECTOR_QUERY_ERROR: filter must be a non-empty object");
  if (JSON.stringify(filter).length >= 2048) throw new Error("VECTOR_QUERY_ERROR: filter too large");
  for (const key of keys) {
    if (key.length === 0 || key.length > 512 || key.startsWith("$") || /["|]/.test(key)) throw new Error(`VECTOR_QUERY_ERROR: invalid filter key ${key}`);
    const cond = filter[key];
    if (cond === null || typeof cond !== "object") continue;
    for (const op of Object.keys(cond)) if (!OPERATORS.has(op)) throw new Error(`VECTOR_QUERY_ERROR: unsupported operator ${op}`);
  }
}

function compare(v: Scalar, arg: unknown): number | null {
  if (typeof v === "number" && typeof arg === "number") return v - arg;
  if (typeof v === "string" && typeof arg === "string") return v < arg ? -1 : v > arg ? 1 : 0;
  return null;
}

function holds(v: Scalar, op: string, arg: unknown): boolean {
  switch (op) {
    case "$eq":
      return v === arg;
    case "$ne":
      return v !== arg;
    case "$in":
      return Array.isArray(arg) && arg.includes(v);
    case "$nin":
      return Array.isArray(arg) && !arg.includes(v);
    default: {
      const c = compare(v, arg);
      if (c === null) return false;
      return op === "$lt" ? c < 0 : op === "$lte" ? c <= 0 : op === "$gt" ? c > 0 : c >= 0;
    }
  }
}

/**
 * A vector passes when every filtered field is in one of its metadata indexes and the condition
 * holds. A field the vector is not indexed on (no metadata index, one created after the vector
 * was written, or a value of another type) matches nothing: filtering happens in the metadata
 * indexes, so such a query answers fewer vectors, or none, without an error.
 */
function matchesFilter(s: Stored, filter: VectorizeVectorMetadataFilter): boolean {
  for (const [key, cond] of Object.entries(filter)) {
    if (!s.indexed.has(key)) return false;
    const v = s.indexed.get(key) as Scalar;
    if (cond === null || typeof cond !== "object") {
      if (v !== cond) return false;
      continue;
    }
    for (const [op, arg] of Object.entries(cond)) if (!holds(v, op, arg)) return false;
  }
  return true;
}

/**
 * Like the binding: ids are global, a namespace partitions queries, limits throw, mutations
 * apply `visibilityMs` after they are answered (in order), and filters see only the fields that
 * had a metadata index when the vector was written. `store` is what queries see now.
 */
export class FakeVectorize implements VectorizeLike {
  readonly store = new Map<string, Stored>();
  readonly metadataIndexes = new Map<string, MetadataIndexType>();
  /** Filters that named a field without a metadata index (they matched nothing). */
  readonly unindexedFilters: string[] = [];
  private readonly pending: { at: number; mutation: Mutation }[] = [];
  private mutations = 0;
  private readonly visibilityMs: number;
  private readonly now: () => number;
  calls: string[] = [];

  constructor(
    readonly dims: number,
    options: FakeVectorizeOptions = {},
  ) {
    this.visibilityMs = options.visibilityMs ?? 3_000;
    this.now = options.now ?? (() => Date.now());
    for (const m of options.metadataIndexes ?? VECTORIZE_METADATA_INDEXES) this.createMetadataIndex(m.property, m.type);
  }

  /** `wrangler vectorize create-metadata-index`: vectors written before it are not in it. */
  createMetadataIndex(property: string, type: MetadataIndexType): void {
    if (!this.metadataIndexes.has(property) && this.metadataIndexes.size >= VECTORIZE_MAX_METADATA_INDEXES) {
      throw new Error(`metadata index limit reached (${VECTORIZE_MAX_METADATA_INDEXES})`);
    }
    this.metadataIndexes.set(property, type);
  }

  /** Mutations answered but not yet visible to queries. */
  get invisible(): number {
    return this.pending.length;
  }

  /** Applies every pending mutation now, as if the visibility delay had passed. */
  settle(): void {
    this.apply(Number.POSITIVE_INFINITY);
  }

  private apply(until: number): void {
    while (this.pending.length && (this.pending[0] as { at: number }).at <= until) {
      const { mutation } = this.pending.shift() as { mutation: Mutation };
      if (mutation.kind === "delete") {
        for (const id of mutation.ids) this.store.delete(id);
        continue;
      }
      for (const v of mutation.vectors) {
        const metadata = { ...(v.metadata ?? {}) } as Metadata;
        const indexed = new Map<string, Scalar>();
        for (const [property, type] of this.metadataIndexes) {
          const iv = indexValue(metadata[property], type);
          if (iv !== undefined) indexed.set(property, iv);
        }
        this.store.set(v.id, { id: v.id, values: Array.from(v.values), namespace: v.namespace, metadata, indexed });
      }
    }
  }

  private enqueue(mutation: Mutation): VectorizeAsyncMutation {
    this.pending.push({ at: this.now() + this.visibilityMs, mutation });
    return { mutationId: `m-${++this.mutations}` };
  }

  async upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    this.calls.push(`upsert:${vectors.length}`);
    if (vectors.length > 1000) throw new Error("VECTOR_UPSERT_ERROR: too many vectors");
    for (const v of vectors) {
      if (v.values.length !== this.dims) throw new Error(`VECTOR_UPSERT_ERROR: expected ${this.dims} dimensions`);
    }
    return this.enqueue({ kind: "upsert", vectors: vectors.map((v) => ({ ...v, values: Array.from(v.values) })) });
  }

  async deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation> {
    this.calls.push(`delete:${ids.length}`);
    return this.enqueue({ kind: "delete", ids: [...ids] });
  }

  async query(vector: VectorFloatArray | number[], options: VectorizeQueryOptions = {}): Promise<VectorizeMatches> {
    this.apply(this.now());
    const topK = options.topK ?? 5;
    const heavy = options.returnValues === true || options.returnMetadata === "all" || options.returnMetadata === true;
    if (topK < 1 || topK > (heavy ? 20 : 100)) throw new Error(`VECTOR_QUERY_ERROR: topK out of range: ${topK}`);
    if (options.filter) {
      checkFilter(options.filter);
      for (const key of Object.keys(options.filter)) if (!this.metadataIndexes.has(key)) this.unindexedFilters.push(key);
    }
    const q = Array.from(vector);
    const qn = Math.hypot(...q);
    const scored = [...this.store.values()]
      .filter((s) => options.namespace === undefined || s.namespace === options.namespace)
      .filter((s) => !options.filter || matchesFilter(s, options.filter))
      .map((s) => ({ s, score: s.values.reduce((a, x, i) => a + x * q[i]!, 0) / (Math.hypot(...s.values) * qn) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, topK);
    const metadataOf = (s: Stored): Metadata | undefined => {
      if (options.returnMetadata === "all" || options.returnMetadata === true) return s.metadata;
      if (options.returnMetadata !== "indexed") return undefined;
      // "indexed": only the fields with a metadata index, as indexed (strings cut at 64 bytes).
      return Object.fromEntries([...s.indexed].filter(([, v]) => v !== null)) as Metadata;
    };
    const matches: VectorizeMatch[] = scored.map(({ s, score }) => {
      const metadata = metadataOf(s);
      return {
        id: s.id,
        score,
        ...(metadata ? { metadata } : {}),
        ...(options.returnValues ? { values: s.values } : {}),
        ...(s.namespace ? { namespace: s.namespace } : {}),
      };
    });
    return { matches, count: matches.length };
  }
}
