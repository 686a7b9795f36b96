// The vector route of a cube too large to scan in memory: the tenant's VectorIndex (Vectorize)
// answers, filtered by tenant, cube and state, and the cube keeps only what passes its own filter.
import { ConfigError } from "../../../src/providers/config-error";
import type { CubeIdentity, CubeSearchRequest } from "../../../src/memory/cube-contract";
import { cosine } from "../../../src/memory/retrieval/fusion";
import type { VectorFilter, VectorIndex } from "../../../src/memory/vectors/vector-index";
import { selectVectorIndex, type VectorIndexConfig } from "../../../src/providers/select-vector-index";
import { ROUTE_DEPTH } from "./routes";
import { unseenMemories } from "./unseen";
import type { VectorCache } from "./vectors";

/**
 * Default size above which a cube's vector route asks the VectorIndex instead of scanning:
 * 100,000 vectors of 384 dimensions are a 38 MB int8 index, which briefly doubles while it grows,
 * well inside a Durable Object's 128 MB, where 200,000 would not be.
 */
export const DEFAULT_CUBE_THRESHOLD = 100_000;

export interface LargeCubeIndex {
  index: VectorIndex;
  /** The cube uses `index` when it holds more vectors than this. */
  threshold: number;
}

/**
 * The VectorIndex and threshold from configuration; null unless VECTOR_INDEX=vectorize (a local
 * index would have nothing mirrored into it). A threshold that is not a positive integer is an
 * error, not a silent default.
 */
export function largeCubeIndex(env: VectorIndexConfig & { VECTOR_INDEX_CUBE_THRESHOLD?: string }): LargeCubeIndex | null {
  const index = selectVectorIndex(env);
  if (!index) return null;
  const raw = env.VECTOR_INDEX_CUBE_THRESHOLD?.trim();
  const threshold = raw ? Number(raw) : DEFAULT_CUBE_THRESHOLD;
  if (!Number.isInteger(threshold) || threshold < 0) throw new ConfigError(`VECTOR_INDEX_CUBE_THRESHOLD must be a non-negative integer, got "${raw}"`);
  return { index, threshold };
}

/**
 * Ids and cosines of the cube's nearest vectors from the VectorIndex. The filter names this
 * tenant and this cube (and the user or agent asked for), so no other cube's vector comes back;
 * every match is checked again here, and the cube's SQL filter (validity, session, tags, types)
 * still applies to the ids afterwards. Superseded memories are indexed as "superseded", so an
 * `as_of` search asks for them too.
 */
export async function indexVectorHits(large: LargeCubeIndex, identity: CubeIdentity, req: CubeSearchRequest, vector: Float32Array): Promise<{ id: string; score: number }[]> {
  const state = req.filter.state ?? "active";
  const filter: VectorFilter = {
    tenant_id: identity.tenant_id,
    cube_id: identity.cube_id,
    state: req.as_of === undefined ? state : { $in: [state, "superseded"] },
    ...(req.filter.user_id ? { user_id: req.filter.user_id } : {}),
    ...(req.filter.agent_id ? { agent_id: req.filter.agent_id } : {}),
  };
  const matches = await large.index.query(vector, { topK: ROUTE_DEPTH, filter });
  return matches.filter((m) => m.metadata.tenant_id === identity.tenant_id && m.metadata.cube_id === identity.cube_id).map((m) => ({ id: m.id, score: m.score }));
}

/** Most not-yet-visible memories scored in the object per search; a longer backlog waits for the index. */
const PENDING_LIMIT = 1_000;

/**
 * The index's hits with the memories it may not show yet: those whose upsert is still in the
 * outbox, and those sent less than the index's visibility delay ago (Vectorize applies writes
 * seconds after it acknowledged them). They are scored here from their stored vectors, and their
 * fresh score replaces any stale one the index returned (an edited text). Without this, a memory
 * written a moment ago would be missing from the vector route until the index caught up.
 * Used for a large cube's own query and for each cube's share of a tenant-wide query.
 */
export function withPendingHits(
  sql: SqlStorage,
  vectors: VectorCache,
  embedder: string,
  query: Float32Array,
  hits: readonly { id: string; score: number }[],
  now: number,
): { id: string; score: number }[] {
  const undrained = sql
    .exec<{ seq: number; id: string }>(
      `SELECT DISTINCT m.seq AS seq, m.id AS id FROM outbox o JOIN memories m ON m.id = o.memory_id
       WHERE o.op = 'upsert' ORDER BY o.seq DESC LIMIT ?`,
      PENDING_LIMIT,
    )
    .toArray();
  const pending = new Map(undrained.map((p) => [p.seq, p.id] as const));
  if (pending.size < PENDING_LIMIT) {
    for (const p of unseenMemories(sql, now, PENDING_LIMIT - pending.size)) pending.set(p.seq, p.id);
  }
  if (pending.size === 0) return [...hits];
  const byId = new Map(hits.map((h) => [h.id, h.score]));
  const fresh = vectors.stored(embedder, query.length, [...pending.keys()]);
  for (const [seq, id] of pending) {
    const v = fresh.get(seq);
    if (v) byId.set(id, cosine(query, v));
  }
  return [...byId].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score).slice(0, ROUTE_DEPTH);
}
