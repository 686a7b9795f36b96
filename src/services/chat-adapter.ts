// The LoRA adapter a chat uses: the user's distilled adapter when it is attached, current, for the model asked, and loaded on the node.
import type { BridgeClient, CallScope } from "../bridge/client";
import type { CubeIdentity } from "../memory/cube-contract";
import { unwrap, type CubeRpc } from "./cubes";

/**
 * Null when the user has none (or it went stale: a source was deleted), when the caller asked for
 * another model, when the key sees only some agents (the adapter holds the whole cube's knowledge
 * of the user), or when the node cannot load it: the chat then answers without one.
 */
export async function chatAdapter(cube: CubeRpc, identity: CubeIdentity, client: BridgeClient, scope: CallScope, opts: { user_id: string | null; model: string | undefined; whole_cube: boolean }): Promise<{ name: string; base_model: string } | null> {
  if (!opts.whole_cube) return null;
  const adapter = unwrap(await cube.chatAdapter(identity, opts.user_id));
  if (!adapter || (opts.model !== undefined && opts.model !== adapter.base_model)) return null;
  try {
    await client.loadAdapter(scope, adapter.name);
    return adapter;
  } catch (err) {
    console.warn(JSON.stringify({ level: "warn", message: "chat without the cube's adapter: the node could not load it", adapter: adapter.name, error: err instanceof Error ? err.message : String(err) }));
    return null;
  }
}
