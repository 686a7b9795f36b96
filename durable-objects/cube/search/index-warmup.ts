// Reading a cube's in-memory vector index between requests, a chunk per turn, and the answer a
// search gets while the index is too far from ready to read on its request path.
import { fail, type CubeResult } from "../../../src/memory/cube-contract";
import type { VectorCache } from "./vectors";

/**
 * Most vectors a request reads into the index itself (about 0.2 s on a 2-core machine). A larger
 * read holds every other request to the cube, writes included, for seconds, and at 100,000
 * vectors allocates 150 MB of row buffers beside a 38 MB index in an isolate limited to 128 MB.
 */
export const INDEX_LOAD_LIMIT = 20_000;
/** Vectors read per turn of a background read: other requests wait at most about 50 ms. */
export const WARM_CHUNK_ROWS = 5_000;
/** Longest Retry-After asked for: a client should come back and see progress. */
const MAX_RETRY_AFTER_S = 30;

const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * One background read at a time of the cube's vector index, yielding to the object's other
 * requests between chunks. `cache()` is asked before every chunk, so a read stops when the cube
 * replaced its cache (destroyed and started again).
 */
export class IndexWarmer {
  private running: Promise<void> | null = null;

  constructor(private readonly cache: () => VectorCache) {}

  /** Whether a read is in progress. */
  get active(): boolean {
    return this.running !== null;
  }

  /** Starts the read of this embedder's index, or joins the one running; resolves when it ends. */
  warm(embedder: string, dimensions: number): Promise<void> {
    if (this.running) return this.running;
    const cache = this.cache();
    const run = async (): Promise<void> => {
      try {
        // Every chunk, the first too, runs in a turn of its own: never inside the caller's request.
        do await turn();
        while (this.cache() === cache && !cache.loadStep(embedder, dimensions, WARM_CHUNK_ROWS));
      } catch (err) {
        // The next search or drain starts it again; the search path never depends on it.
        console.error(JSON.stringify({ level: "error", message: "vector index read failed", error: err instanceof Error ? err.message : String(err) }));
      } finally {
        this.running = null;
      }
    };
    this.running = run();
    return this.running;
  }
}

/** Whole seconds until the index should be ready, for Retry-After (at least 1). */
export function retryAfterSeconds(vectors: VectorCache, embedder: string, dimensions: number): number {
  // Twice the measured read time: the chunks share the object with the requests between them.
  const ms = 2 * vectors.estimateMs(vectors.remaining(embedder, dimensions));
  return Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil(ms / 1000)));
}

/** The 503 a search gets while its cube's index is being read: retry after `retry_after_s`. */
export function indexLoading<T>(vectors: VectorCache, embedder: string, dimensions: number): CubeResult<T> {
  const total = vectors.count();
  const remaining = vectors.remaining(embedder, dimensions);
  const retryAfter = retryAfterSeconds(vectors, embedder, dimensions);
  return fail("upstream_unavailable", `the cube's vector index is loading (${total - remaining} of ${total} vectors read); retry in ${retryAfter} s`, {
    reason: "vector_index_loading",
    retry_after_s: retryAfter,
    vectors_read: total - remaining,
    vectors_total: total,
  });
}
