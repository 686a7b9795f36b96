// Deleting a whole cube: its object's database, its catalog rows, its vectors, its job and cube registrations.
import type { Env } from "../env";
import type { CubeIdentity } from "../memory/cube-contract";
import type { VectorIndex } from "../memory/vector-index";
import { cubeStub, forgetKnownCube, unwrap } from "./cubes";

/** Vectorize deletes at most this many ids per call. */
const VECTOR_DELETE_BATCH = 1_000;

export interface CubeDeleteDeps {
  env: Env;
  /** The tenant-wide VectorIndex the cube's outbox feeds; null when none is configured. */
  vectorIndex: VectorIndex | null;
}

/**
 * Deletes a cube and everything in it, in every store, in an order that a retry can resume:
 * the cube first stops writing and draining (`close`), then the derived stores forget it (D1
 * catalog, Vectorize, job registry), then its whole database goes (`destroy`), and last its
 * registration. A failure at any step leaves the cube closed; calling this again finishes it.
 */
export async function deleteCube({ env, vectorIndex }: CubeDeleteDeps, identity: CubeIdentity): Promise<{ id: string; deleted: true; memories: number }> {
  const cube = cubeStub(env, identity);
  const { memory_ids } = unwrap(await cube.close(identity));
  await env.DB.prepare("DELETE FROM memories WHERE tenant_id = ? AND cube_id = ?").bind(identity.tenant_id, identity.cube_id).run();
  if (vectorIndex) {
    for (let i = 0; i < memory_ids.length; i += VECTOR_DELETE_BATCH) await vectorIndex.deleteByIds(memory_ids.slice(i, i + VECTOR_DELETE_BATCH));
  }
  await env.DB.prepare("DELETE FROM jobs WHERE tenant_id = ? AND cube_id = ?").bind(identity.tenant_id, identity.cube_id).run();
  unwrap(await cube.destroy(identity));
  await env.DB.prepare("DELETE FROM cubes WHERE tenant_id = ? AND id = ?").bind(identity.tenant_id, identity.cube_id).run();
  forgetKnownCube(identity);
  return { id: identity.cube_id, deleted: true, memories: memory_ids.length };
}
