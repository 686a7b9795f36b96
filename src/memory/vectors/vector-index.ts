// The VectorIndex interface: tenant-wide vector search behind one narrow contract.

/** Metadata stored beside each vector; the fields of `VectorFilter` are the filterable ones. */
export interface VectorMetadata {
  tenant_id: string;
  cube_id: string;
  user_id?: string;
  agent_id?: string;
  state: string;
  /** Milliseconds since the epoch. */
  created_at: number;
}

export interface VectorItem {
  /** The memory id; at most 64 bytes. */
  id: string;
  values: Float32Array | number[];
  metadata: VectorMetadata;
}

/** A field equals a value, or is one of a list. */
export type FilterValue = string | number | { $in: (string | number)[] };

export interface VectorFilter {
  /** Mandatory: no query runs without a tenant. */
  tenant_id: string;
  cube_id?: FilterValue;
  user_id?: FilterValue;
  agent_id?: FilterValue;
  state?: FilterValue;
}

export interface VectorQuery {
  /** Results wanted; implementations clamp to their own maximum (Vectorize: 100). */
  topK: number;
  filter: VectorFilter;
  /** Partition inside the tenant; defaults to the tenant id. */
  namespace?: string;
}

export interface VectorMatch {
  id: string;
  /** Cosine similarity, higher is closer. */
  score: number;
  /** The filterable fields only (what an index returns without reading every stored field). */
  metadata: Omit<VectorMetadata, "created_at">;
}

/**
 * A store of one vector per memory. Semantics every implementation keeps:
 * - `upsert` is idempotent by id: writing the same id again replaces vector and metadata;
 * - `deleteByIds` ignores ids that are not stored; deleting twice is not an error (memory ids
 *   are globally unique, so a delete needs no tenant);
 * - `query` only returns vectors whose metadata matches every field of `filter`, and the
 *   tenant filter is mandatory (an implementation throws when it is missing or empty), so a
 *   query never crosses tenants; results are ordered by score, highest first;
 * - writes may become visible to `query` asynchronously (Vectorize: seconds later), so callers
 *   must not read their own writes through `query`; the cube stays the source of truth, and
 *   scores what it wrote less than `visibilityMs` ago itself.
 */
export interface VectorIndex {
  /** Longest time after `upsert` or `deleteByIds` returns that `query` may not reflect it; 0 or absent: at once. */
  readonly visibilityMs?: number;
  upsert(items: readonly VectorItem[]): Promise<void>;
  deleteByIds(ids: readonly string[]): Promise<void>;
  query(vector: Float32Array | number[], options: VectorQuery): Promise<VectorMatch[]>;
}

/** Throws unless the filter names a tenant; every implementation calls it first. */
export function assertTenantFilter(filter: VectorFilter | undefined): asserts filter is VectorFilter {
  if (!filter || typeof filter.tenant_id !== "string" || filter.tenant_id.length === 0) {
    throw new Error("VectorIndex.query needs filter.tenant_id: a query never runs across tenants");
  }
}
