// Parameter memory: register LoRA adapters and load them on nodes under a per-node cap (LRU out).
import type { AdapterDeleted, AdapterLoaded, AdapterUnloaded, AdapterView, RegisterAdapterRequest } from "@memos-edge/bridge-protocol";
import { backendOf } from "../context.js";
import type { BridgeDeps } from "../context.js";
import { BridgeError } from "../errors.js";
import { newId } from "../ids.js";
import type { Adapter } from "../registry/adapters.js";
import type { NodeConfig } from "../config.js";

/** A registration: from the route, or from a finished training job (which sets `job_id`). */
export type RegisterAdapterInput = RegisterAdapterRequest & { job_id?: string | null };

export function adapterView(deps: BridgeDeps, a: Adapter): AdapterView {
  return {
    id: a.id,
    cube_id: a.cube_id,
    name: a.name,
    base_model: a.base_model,
    source: a.source,
    job_id: a.job_id,
    created_at: new Date(a.created_at).toISOString(),
    loaded_on: deps.adapters.loadsOf(a.id).map((l) => ({
      node: l.node_id,
      loaded_at: new Date(l.loaded_at).toISOString(),
      last_used_at: new Date(l.last_used_at).toISOString(),
    })),
  };
}

/** Inserts an adapter row; the caller persists (alone, or inside a job's completion). */
export function insertAdapter(deps: BridgeDeps, input: RegisterAdapterInput): Adapter {
  if (deps.adapters.byName(input.tenant_id, input.cube_id, input.name)) {
    throw new BridgeError("conflict", `adapter ${input.name} already exists in this cube`);
  }
  const a: Adapter = {
    id: newId("ada", deps.now()),
    tenant_id: input.tenant_id,
    cube_id: input.cube_id,
    name: input.name,
    base_model: input.base_model,
    source: input.source,
    job_id: input.job_id ?? null,
    created_at: deps.now(),
  };
  deps.adapters.insert(a);
  return a;
}

export function registerAdapter(deps: BridgeDeps, input: RegisterAdapterInput): AdapterView {
  const a = deps.db.tx(() => insertAdapter(deps, input));
  return adapterView(deps, a);
}

export function listAdapters(deps: BridgeDeps, tenantId: string, cubeId: string): AdapterView[] {
  return deps.adapters.listByCube(tenantId, cubeId).map((a) => adapterView(deps, a));
}

export function ownAdapter(deps: BridgeDeps, tenantId: string, cubeId: string, name: string): Adapter {
  const a = deps.adapters.byName(tenantId, cubeId, name);
  if (!a) throw new BridgeError("not_found", `adapter ${name} not found`);
  return a;
}

/** A node for the adapter: the named one, one where it is loaded, or the least loaded that serves its base model. */
function nodeFor(deps: BridgeDeps, a: Adapter, nodeId: string | undefined): NodeConfig {
  const nodes = deps.config.nodes;
  if (nodeId) {
    const n = nodes.find((x) => x.id === nodeId);
    if (!n) throw new BridgeError("no_node", `node ${nodeId} is not configured on this bridge`, { node: nodeId });
    if (!n.models.includes(a.base_model)) {
      throw new BridgeError("no_node", `node ${n.id} does not serve base model ${a.base_model}`, { node: n.id });
    }
    return n;
  }
  const serving = nodes.filter((n) => n.models.includes(a.base_model));
  const loaded = serving.find((n) => deps.adapters.isLoaded(a.id, n.id));
  if (loaded) return loaded;
  const best = [...serving].sort((x, y) => deps.adapters.loadsOn(x.id).length - deps.adapters.loadsOn(y.id).length)[0];
  if (!best) throw new BridgeError("no_node", `no node serves base model ${a.base_model}`, { model: a.base_model });
  return best;
}

/**
 * Makes sure the adapter is loaded on the node and marks it used. When the node is at its cap,
 * the least recently used adapters are unloaded first; the registry follows each node call, so
 * a failure midway leaves it matching what the node really holds.
 */
export async function ensureLoaded(deps: BridgeDeps, a: Adapter, node: NodeConfig): Promise<{ unloaded: string[] }> {
  return deps.serial(`lora:${node.id}`, async () => {
    if (deps.adapters.isLoaded(a.id, node.id)) {
      deps.adapters.touch(a.id, node.id, deps.now());
      deps.db.persistSoon();
      return { unloaded: [] };
    }
    if (node.max_loaded_adapters === 0) {
      throw new BridgeError("adapter_cap_reached", `node ${node.id} allows no loaded adapters`, { node: node.id });
    }
    const backend = backendOf(deps, node.id);
    const unloaded: string[] = [];
    const loads = deps.adapters.loadsOn(node.id);
    for (const victim of loads.slice(0, Math.max(0, loads.length - node.max_loaded_adapters + 1))) {
      const v = deps.adapters.get(victim.adapter_id);
      if (v) await backend.unloadAdapter({ name: v.id, source: v.source });
      deps.db.tx(() => deps.adapters.markUnloaded(victim.adapter_id, node.id));
      unloaded.push(v?.name ?? victim.adapter_id);
    }
    await backend.loadAdapter({ name: a.id, source: a.source });
    deps.db.tx(() => deps.adapters.markLoaded(a.id, node.id, deps.now()));
    return { unloaded };
  });
}

export async function loadAdapter(deps: BridgeDeps, tenantId: string, cubeId: string, name: string, nodeId?: string): Promise<AdapterLoaded> {
  const a = ownAdapter(deps, tenantId, cubeId, name);
  const node = nodeFor(deps, a, nodeId);
  const { unloaded } = await ensureLoaded(deps, a, node);
  return { adapter: adapterView(deps, a), node: node.id, unloaded };
}

/**
 * Unloads the adapter from every node that holds it (each unload must succeed: a failure leaves
 * it registered, still loaded where the node kept it), then drops it from the registry. A
 * training job that produced it then shows no adapter; its name is free for a new one.
 */
export async function deleteAdapter(deps: BridgeDeps, tenantId: string, cubeId: string, name: string): Promise<AdapterDeleted> {
  const { adapter, unloaded_from } = await unloadAdapter(deps, tenantId, cubeId, name);
  deps.db.tx(() => deps.adapters.delete(adapter.id));
  return { deleted: adapter.name, unloaded_from };
}

export async function unloadAdapter(deps: BridgeDeps, tenantId: string, cubeId: string, name: string, nodeId?: string): Promise<AdapterUnloaded> {
  const a = ownAdapter(deps, tenantId, cubeId, name);
  const loads = deps.adapters.loadsOf(a.id).filter((l) => !nodeId || l.node_id === nodeId);
  for (const l of loads) {
    await deps.serial(`lora:${l.node_id}`, async () => {
      await backendOf(deps, l.node_id).unloadAdapter({ name: a.id, source: a.source });
      deps.db.tx(() => deps.adapters.markUnloaded(a.id, l.node_id));
    });
  }
  return { adapter: adapterView(deps, a), unloaded_from: loads.map((l) => l.node_id) };
}
