// Deleting a whole cube: its object's database, its catalog rows, its vectors, its grants, its job and cube registrations.
import type { CubeIdentity } from "../memory/cube-contract";
import { unwrap } from "./cubes";
import { headTarget } from "../governance/audit";
import type { Deps } from "./deps";

/** Vectorize deletes at most this many ids per call. */
const VECTOR_DELETE_BATCH = 1_000;

/**
 * Deletes a cube and everything in it, in every store, in an order that a retry can resume:
 * the cube first stops writing and draining (`close`), then the derived stores forget it (D1
 * catalog, Vectorize, job registry, grants), then its whole database goes (`destroy`), and last its
 * registration. A failure at any step leaves the cube closed; calling this again finishes it.
 */
export async function deleteCube(deps: Deps, identity: CubeIdentity): Promise<{ id: string; deleted: true; memories: number }> {
  const cube = deps.cube(identity);
  const { memory_ids } = unwrap(await cube.close(identity));
  await deps.catalog.removeCube(identity);
  if (deps.vectorIndex) {
    for (let i = 0; i < memory_ids.length; i += VECTOR_DELETE_BATCH) await deps.vectorIndex.deleteByIds(memory_ids.slice(i, i + VECTOR_DELETE_BATCH));
  }
  await deps.jobs.removeCube(identity);
  // Grants on the cube, and grants to it: a new cube of the same id starts with none.
  await deps.grants.removeCube(identity.tenant_id, identity.cube_id);
  const { audit_head: head } = unwrap(await cube.destroy(identity));
  await deps.registry.remove(identity);
  // Its audit entries stay in D1 (the cube sent them all before its database went); the deletion
  // is a tenant event naming the chain's last entry, so that a tail cut from D1 later shows. A retry
  // after a failure here records it again (without the head, which went with the database).
  const chain = head ? [head.chain, headTarget(head)] : [];
  await deps.audit?.record(identity.tenant_id, identity.actor ?? null, { action: "cube.delete", target_ids: [identity.cube_id, ...chain] });
  return { id: identity.cube_id, deleted: true, memories: memory_ids.length };
}
