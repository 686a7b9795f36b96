// The one declaration of the Worker's bindings and configuration; tests extend it, never copy it.
import type { CubeObject } from "../durable-objects/cube";
import type { JobMessage } from "./jobs/messages";
import type { WebhookQueueMessage } from "./webhooks/messages";

export interface Env {
  /** One SQLite-backed Durable Object per memory cube. */
  CUBE: DurableObjectNamespace<CubeObject>;
  /** Tenant-wide store: tenants, keys, cube registry, memory catalog, audit. */
  DB: D1Database;
  /** Extraction and Mem2Skill jobs; failures land in the dead-letter queue. */
  JOBS: Queue<JobMessage>;
  /** Webhook events (from the cubes' outboxes and the jobs consumer) and their deliveries; given-up deliveries land in memos-events-dlq. */
  EVENTS: Queue<WebhookQueueMessage>;
  /** The console's static files (console/public, [assets] of wrangler.toml); served before the Worker runs, bound for tests. */
  ASSETS: Fetcher;

  /** Workers AI; only bound in deployed environments (no local form). */
  AI?: Ai;
  /** Vectorize index; only bound in deployed environments (no local form). */
  VECTORIZE?: VectorizeIndex;

  /** "development" enables the dev tenant bootstrap and relaxes nothing else. */
  ENVIRONMENT?: string;
  /** Secret for /v1/admin routes. Absent outside development: admin routes refuse. */
  ADMIN_TOKEN?: string;
  /** Development only: API key of the dev tenant, created on first request. */
  DEV_API_KEY?: string;

  /** "local" (default), "workers-ai" or "openai". */
  EMBEDDER?: string;
  EMBEDDING_MODEL?: string;
  /** Vector size, for OpenAI-compatible models outside the built-in table. */
  EMBEDDING_DIMENSIONS?: string;
  /** "rules" (default, no model), "workers-ai" or "openai". */
  LLM?: string;
  LLM_MODEL?: string;
  OPENAI_BASE_URL?: string;
  OPENAI_API_KEY?: string;
  /** "local" (default: each cube's in-memory index) or "vectorize". */
  VECTOR_INDEX?: string;
  /** With VECTOR_INDEX=vectorize: a cube holding more vectors than this (default 100000) searches Vectorize instead of its in-memory index. */
  VECTOR_INDEX_CUBE_THRESHOLD?: string;

  /**
   * Secret root of encryption at rest and of watermarks: base64 of 32 random bytes. Required
   * outside development (without it nothing is marked or encrypted, and those requests fail).
   */
  MASTER_KEY?: string;
  /** The previous MASTER_KEY while data keys are rewrapped under a new one. */
  MASTER_KEY_PREVIOUS?: string;

  /** gpu-bridge base URL and shared HMAC secret; without both the GPU routes answer 503. */
  BRIDGE_URL?: string;
  BRIDGE_SECRET?: string;
  BRIDGE_TIMEOUT_MS?: string;

  /** Factor on the webhook retry delays (default 1: 5 s, 30 s, 2 min, ... 4 h); tests set 0 to retry at once. */
  WEBHOOK_BACKOFF_SCALE?: string;
}
