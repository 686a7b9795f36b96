// Deleting a cube: its adapters leave the bridge too (unloaded from every node, then unregistered).
import type { BridgeClient } from "../../../src/bridge/client";
import type { CubeIdentity } from "../../../src/memory/cube-contract";

/**
 * Deletes every adapter the bridge holds for the cube, as the bridge lists them (trained by the
 * distillation task or registered through the API). Best effort, like the blocks' release: a
 * failure is logged, never thrown, so that deleting the cube goes on; answers how many went.
 */
export async function deleteAllAdapters(identity: CubeIdentity, bridge: BridgeClient | null): Promise<number> {
  if (!bridge) return 0;
  const scope = { tenant_id: identity.tenant_id, cube_id: identity.cube_id };
  let names: string[];
  try {
    names = (await bridge.listAdapters(scope)).adapters.map((a) => a.name);
  } catch (err) {
    console.warn(JSON.stringify({ level: "warn", message: "adapters not listed for deletion", cube_id: identity.cube_id, error: String(err) }));
    return 0;
  }
  let deleted = 0;
  for (const name of names) {
    try {
      await bridge.deleteAdapter(scope, name);
      deleted++;
    } catch (err) {
      console.warn(JSON.stringify({ level: "warn", message: "adapter not deleted", cube_id: identity.cube_id, adapter: name, error: String(err) }));
    }
  }
  return deleted;
}
