// A fake of the Vectorize binding that behaves like it: global ids, namespaces, filters, limits.
import type { VectorizeLike } from "../../src/providers/vectorize-index";

type Stored = { id: string; values: number[]; namespace: string | undefined; metadata: Record<string, VectorizeVectorMetadata> };

function matchesFilter(meta: Record<string, VectorizeVectorMetadata>, filter: VectorizeVectorMetadataFilter): boolean {
  for (const [key, cond] of Object.entries(filter)) {
    const v = meta[key];
    if (cond === null || typeof cond !== "object") {
      if (v !== cond) return false;
      continue;
    }
    for (const [op, arg] of Object.entries(cond)) {
      if (op === "$eq" && v !== arg) return false;
      if (op === "$ne" && v === arg) return false;
      if (op === "$in" && !(Array.isArray(arg) && arg.includes(v as never))) return false;
      if (op === "$nin" && Array.isArray(arg) && arg.includes(v as never)) return false;
      if (!["$eq", "$ne", "$in", "$nin"].includes(op)) throw new Error(`VECTOR_QUERY_ERROR: unsupported operator ${op}`);
    }
  }
  return true;
}

/** Like the binding: ids are global, namespace partitions queries, limits throw. */
export class FakeVectorize implements VectorizeLike {
  readonly store = new Map<string, Stored>();
  private mutations = 0;
  calls: string[] = [];
  constructor(readonly dims: number) {}

  async upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    this.calls.push(`upsert:${vectors.length}`);
    if (vectors.length > 1000) throw new Error("VECTOR_UPSERT_ERROR: too many vectors");
    for (const v of vectors) {
      if (v.values.length !== this.dims) throw new Error(`VECTOR_UPSERT_ERROR: expected ${this.dims} dimensions`);
      this.store.set(v.id, { id: v.id, values: Array.from(v.values), namespace: v.namespace, metadata: { ...(v.metadata ?? {}) } as Record<string, VectorizeVectorMetadata> });
    }
    return { mutationId: `m-${++this.mutations}` };
  }

  async deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation> {
    this.calls.push(`delete:${ids.length}`);
    for (const id of ids) this.store.delete(id);
    return { mutationId: `m-${++this.mutations}` };
  }

  async query(vector: VectorFloatArray | number[], options: VectorizeQueryOptions = {}): Promise<VectorizeMatches> {
    const topK = options.topK ?? 5;
    const heavy = options.returnValues === true || options.returnMetadata === "all" || options.returnMetadata === true;
    if (topK < 1 || topK > (heavy ? 20 : 100)) throw new Error(`VECTOR_QUERY_ERROR: topK out of range: ${topK}`);
    if (options.filter && JSON.stringify(options.filter).length > 2048) throw new Error("VECTOR_QUERY_ERROR: filter too large");
    const q = Array.from(vector);
    const qn = Math.hypot(...q);
    const scored = [...this.store.values()]
      .filter((s) => options.namespace === undefined || s.namespace === options.namespace)
      .filter((s) => !options.filter || matchesFilter(s.metadata, options.filter))
      .map((s) => ({ s, score: s.values.reduce((a, x, i) => a + x * q[i]!, 0) / (Math.hypot(...s.values) * qn) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, topK);
    const matches: VectorizeMatch[] = scored.map(({ s, score }) => ({
      id: s.id,
      score,
      ...(options.returnMetadata && options.returnMetadata !== "none" ? { metadata: s.metadata } : {}),
      ...(s.namespace ? { namespace: s.namespace } : {}),
    }));
    return { matches, count: matches.length };
  }
}

