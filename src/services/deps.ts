// The narrow dependencies of every flow, built once per request (or queue batch) from the bindings,
// so that a flow can run against fakes in plain Node.
import type { Env } from "../env";
import type { CubeIdentity } from "../memory/cube-contract";
import type { VectorIndex } from "../memory/vectors/vector-index";
import type { Embedder } from "../providers/embedder";
import type { LLM } from "../providers/llm";
import { selectVectorIndex } from "../providers/select-vector-index";
import { cubeStub, type CubeRpc } from "./cubes";
import { d1CubeRegistry, type CubeRegistry } from "./registry";
import { d1Catalog, type MemoryCatalog } from "./memory-catalog";
import { d1JobRegistry, type JobRegistry } from "./jobs";
import { d1Grants, type GrantStore } from "./grants";
import { getEmbedder, getLlm } from "./providers";
import { d1TenantAudit, type TenantAuditLog } from "./audit";
import { watermarker, type Watermarker } from "./watermarks";
import { findWithModel, type PiiFinder } from "../governance/pii";

export interface Deps {
  /** The cube object of an identity (the single writer of that cube). */
  cube(identity: CubeIdentity): CubeRpc;
  registry: CubeRegistry;
  catalog: MemoryCatalog;
  jobs: JobRegistry;
  grants: GrantStore;
  embedder: Embedder;
  /** The configured LLM; null when the embedded rules extract and judge. */
  llm: LLM | null;
  /** The tenant-wide vector index (Vectorize); null when each cube scans its own vectors. */
  vectorIndex: VectorIndex | null;
  /** The tenant's own audit chain (keys, grants, cube deletions); flows run against fakes may leave it out. */
  audit?: TenantAuditLog;
  /** Marks what leaves the service (context blocks, exports) with the caller's tenant, key and request. */
  watermarks: Watermarker;
  /** Finds names and postal addresses with the configured LLM before texts are stored; absent without one (patterns only). */
  piiFinder?: PiiFinder;
}

export function depsFromEnv(env: Env): Deps {
  const llm = getLlm(env);
  return {
    cube: (identity) => cubeStub(env, identity),
    registry: d1CubeRegistry(env.DB),
    catalog: d1Catalog(env.DB),
    jobs: d1JobRegistry(env.DB, env.JOBS),
    grants: d1Grants(env.DB),
    embedder: getEmbedder(env),
    llm,
    vectorIndex: selectVectorIndex(env),
    audit: d1TenantAudit(env.DB),
    watermarks: watermarker(env.MASTER_KEY, env.MASTER_KEY_PREVIOUS),
    ...(llm ? { piiFinder: (texts: readonly string[]) => findWithModel(llm, texts) } : {}),
  };
}
