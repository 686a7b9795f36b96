// VectorIndex over a Cloudflare Vectorize binding: namespace per tenant, metadata filters.
import {
  assertTenantFilter,
  type FilterValue,
  type VectorFilter,
  type VectorIndex,
  type VectorItem,
  type VectorMatch,
  type VectorMetadata,
  type VectorQuery,
} from "../memory/vectors/vector-index";
import { ProviderError } from "./errors";

/**
 * The slice of the binding the adapter uses; both `Vectorize` (V2, mutations answer
 * `{ mutationId }`) and the older `VectorizeIndex` (answers `{ ids, count }`) satisfy it.
 */
export interface VectorizeLike {
  upsert(vectors: VectorizeVector[]): Promise<unknown>;
  deleteByIds(ids: string[]): Promise<unknown>;
  query(vector: VectorFloatArray | number[], options?: VectorizeQueryOptions): Promise<VectorizeMatches>;
}

/** Vectors per upsert and ids per delete that one binding call accepts. */
export const VECTORIZE_MAX_BATCH = 1000;
/** Largest topK when values are not returned and metadata is "none" or "indexed". */
export const VECTORIZE_MAX_TOP_K = 100;
/** Ids and namespaces are limited to 64 bytes. */
export const VECTORIZE_MAX_ID_BYTES = 64;
/** Metadata indexes one Vectorize index can have. */
export const VECTORIZE_MAX_METADATA_INDEXES = 10;
/**
 * How long after an upsert or delete returns the change may still be invisible to `query`.
 * Vectorize applies mutations asynchronously ("typically a few seconds"); this bounds it with
 * a wide margin, since a cube scores its own memories for this long after sending them.
 */
export const VECTORIZE_VISIBILITY_MS = 60_000;

export type MetadataIndexType = "string" | "number" | "boolean";

/**
 * Every metadata field the adapter filters on, with its type: the one list that the README's
 * `create-metadata-index` commands, the test fake and the contract test are built from.
 * Vectorize filters only on fields with a metadata index, created before the vectors are
 * inserted (a vector upserted earlier is not in the index and never matches); a filter on any
 * other field is refused here rather than silently matching nothing there.
 */
export const VECTORIZE_METADATA_INDEXES = [
  { property: "tenant_id", type: "string" },
  { property: "cube_id", type: "string" },
  { property: "user_id", type: "string" },
  { property: "agent_id", type: "string" },
  { property: "state", type: "string" },
] as const satisfies readonly { property: keyof VectorFilter; type: MetadataIndexType }[];

const INDEXED: ReadonlySet<string> = new Set(VECTORIZE_METADATA_INDEXES.map((m) => m.property));

/** The wrangler commands that create the metadata indexes the adapter needs, for `indexName`. */
export function metadataIndexCommands(indexName: string): string[] {
  return VECTORIZE_METADATA_INDEXES.map((m) => `npx wrangler vectorize create-metadata-index ${indexName} --property-name=${m.property} --type=${m.type}`);
}

const encoder = new TextEncoder();

function checkKey(kind: string, value: string): void {
  const n = encoder.encode(value).length;
  if (n === 0 || n > VECTORIZE_MAX_ID_BYTES) throw new ProviderError("vectorize", `${kind} must be 1..64 bytes, got ${n}`, false);
}

function toFilterValue(v: FilterValue): VectorizeVectorMetadataFilter[string] {
  return typeof v === "object" ? { $in: v.$in } : { $eq: v };
}

/**
 * Builds the Vectorize metadata filter; the tenant is always part of it. A field without a
 * metadata index (not in VECTORIZE_METADATA_INDEXES) throws: Vectorize would match nothing.
 */
export function toVectorizeFilter(filter: VectorFilter): VectorizeVectorMetadataFilter {
  const out: VectorizeVectorMetadataFilter = {};
  for (const [key, v] of Object.entries(filter) as [keyof VectorFilter, FilterValue | undefined][]) {
    if (v === undefined) continue;
    if (!INDEXED.has(key)) throw new ProviderError("vectorize", `cannot filter on "${key}": it has no metadata index (see VECTORIZE_METADATA_INDEXES)`, false);
    out[key] = toFilterValue(v);
  }
  out.tenant_id = { $eq: filter.tenant_id };
  return out;
}

function toMetadata(m: VectorMetadata): Record<string, VectorizeVectorMetadata> {
  const out: Record<string, VectorizeVectorMetadata> = {
    tenant_id: m.tenant_id,
    cube_id: m.cube_id,
    state: m.state,
    created_at: m.created_at,
  };
  if (m.user_id !== undefined) out.user_id = m.user_id;
  if (m.agent_id !== undefined) out.agent_id = m.agent_id;
  return out;
}

/** The indexed fields of a match: with returnMetadata "indexed", Vectorize returns only those. */
function fromMetadata(raw: Record<string, VectorizeVectorMetadata> | undefined): VectorMatch["metadata"] | null {
  if (!raw || typeof raw.tenant_id !== "string" || typeof raw.cube_id !== "string") return null;
  const m: VectorMatch["metadata"] = {
    tenant_id: raw.tenant_id,
    cube_id: raw.cube_id,
    state: typeof raw.state === "string" ? raw.state : "active",
  };
  if (typeof raw.user_id === "string") m.user_id = raw.user_id;
  if (typeof raw.agent_id === "string") m.agent_id = raw.agent_id;
  return m;
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    throw new ProviderError("vectorize", `${what} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The deployed VectorIndex. Each vector lives in the namespace of its tenant; queries run in the
 * tenant's namespace and filter on metadata as well, and drop any match whose metadata names
 * another tenant (defence in depth). The index needs a metadata index on every field of
 * VECTORIZE_METADATA_INDEXES, created before vectors are inserted (`metadataIndexCommands`).
 * Writes become visible to queries up to `visibilityMs` later.
 */
export class VectorizeVectorIndex implements VectorIndex {
  constructor(
    private readonly binding: VectorizeLike,
    readonly visibilityMs: number = VECTORIZE_VISIBILITY_MS,
  ) {}

  async upsert(items: readonly VectorItem[]): Promise<void> {
    const vectors = items.map((it): VectorizeVector => {
      checkKey("id", it.id);
      checkKey("namespace", it.metadata.tenant_id);
      return {
        id: it.id,
        values: it.values instanceof Float32Array ? it.values : Float32Array.from(it.values),
        namespace: it.metadata.tenant_id,
        metadata: toMetadata(it.metadata),
      };
    });
    for (let i = 0; i < vectors.length; i += VECTORIZE_MAX_BATCH) {
      const chunk = vectors.slice(i, i + VECTORIZE_MAX_BATCH);
      await call("upsert", () => this.binding.upsert(chunk));
    }
  }

  async deleteByIds(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += VECTORIZE_MAX_BATCH) {
      const chunk = ids.slice(i, i + VECTORIZE_MAX_BATCH);
      await call("deleteByIds", () => this.binding.deleteByIds(chunk));
    }
  }

  async query(vector: Float32Array | number[], options: VectorQuery): Promise<VectorMatch[]> {
    assertTenantFilter(options.filter);
    const tenant = options.filter.tenant_id;
    const topK = Math.max(1, Math.min(VECTORIZE_MAX_TOP_K, Math.floor(options.topK)));
    const res = await call("query", () =>
      this.binding.query(vector, {
        topK,
        namespace: options.namespace ?? tenant,
        returnValues: false,
        returnMetadata: "indexed",
        filter: toVectorizeFilter(options.filter),
      }),
    );
    const out: VectorMatch[] = [];
    for (const m of res.matches) {
      const metadata = fromMetadata(m.metadata);
      if (!metadata || metadata.tenant_id !== tenant) continue;
      out.push({ id: m.id, score: m.score, metadata });
    }
    return out.sort((a, b) => b.score - a.score);
  }
}
