// The bindings a cube object uses: a narrow view of the Worker's Env (which satisfies it), so that
// the object does not import the Worker's declaration, which names the object's class.
import type { JobMessage } from "../../src/jobs/messages";
import type { VectorIndexConfig } from "../../src/providers/select-vector-index";
import type { LlmConfig } from "../../src/providers/select-llm";

/** The LLM settings (LLM, LLM_MODEL, OPENAI_*, AI) are read by the consolidation task, which writes merged texts with the model. */
export interface CubeEnv extends VectorIndexConfig, LlmConfig {
  /** The tenant-wide catalog the outbox feeds. */
  DB: D1Database;
  /** Where the alarm re-sends jobs whose message was lost or whose consumer died. */
  JOBS: Queue<JobMessage>;
  /** With VECTOR_INDEX=vectorize: above this many vectors a cube's vector route asks Vectorize. */
  VECTOR_INDEX_CUBE_THRESHOLD?: string;
  /** Wraps the tenant data keys (in DB) that seal raw messages and vault values (cube/encryption.ts). */
  MASTER_KEY?: string;
  MASTER_KEY_PREVIOUS?: string;
  /** Without MASTER_KEY, "development" and "test" use a public development key; elsewhere sealing fails closed. */
  ENVIRONMENT?: string;
  /** The gpu-bridge the activation task registers blocks on (src/bridge/client.ts); unset: none. */
  BRIDGE_URL?: string;
  BRIDGE_SECRET?: string;
  BRIDGE_TIMEOUT_MS?: string;
}
