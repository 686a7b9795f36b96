// LoRA adapters in the registry: what is registered, and what is loaded on which node.
import type { RegistryDb, Row } from "./db.js";

export interface Adapter {
  id: string;
  tenant_id: string;
  cube_id: string;
  name: string;
  base_model: string;
  /** Where the weights are: a path on the node or an object-store URL, as the backend expects. */
  source: string;
  job_id: string | null;
  created_at: number;
}

export interface AdapterLoad {
  adapter_id: string;
  node_id: string;
  loaded_at: number;
  last_used_at: number;
}

function toAdapter(r: Row): Adapter {
  return {
    id: String(r.id),
    tenant_id: String(r.tenant_id),
    cube_id: String(r.cube_id),
    name: String(r.name),
    base_model: String(r.base_model),
    source: String(r.source),
    job_id: r.job_id === null ? null : String(r.job_id),
    created_at: Number(r.created_at),
  };
}

function toLoad(r: Row): AdapterLoad {
  return {
    adapter_id: String(r.adapter_id),
    node_id: String(r.node_id),
    loaded_at: Number(r.loaded_at),
    last_used_at: Number(r.last_used_at),
  };
}

/** Typed access to adapters and adapter_loads; callers own transactions and persistence. */
export class AdapterStore {
  constructor(private readonly db: RegistryDb) {}

  insert(a: Adapter): void {
    this.db.run(
      "INSERT INTO adapters (id, tenant_id, cube_id, name, base_model, source, job_id, created_at) VALUES (?,?,?,?,?,?,?,?)",
      [a.id, a.tenant_id, a.cube_id, a.name, a.base_model, a.source, a.job_id, a.created_at],
    );
  }

  get(id: string): Adapter | undefined {
    const r = this.db.get("SELECT * FROM adapters WHERE id = ?", [id]);
    return r ? toAdapter(r) : undefined;
  }

  byName(tenantId: string, cubeId: string, name: string): Adapter | undefined {
    const r = this.db.get("SELECT * FROM adapters WHERE tenant_id = ? AND cube_id = ? AND name = ?", [tenantId, cubeId, name]);
    return r ? toAdapter(r) : undefined;
  }

  listByCube(tenantId: string, cubeId: string): Adapter[] {
    return this.db
      .all("SELECT * FROM adapters WHERE tenant_id = ? AND cube_id = ? ORDER BY created_at, id", [tenantId, cubeId])
      .map(toAdapter);
  }

  loadsOf(adapterId: string): AdapterLoad[] {
    return this.db.all("SELECT * FROM adapter_loads WHERE adapter_id = ? ORDER BY node_id", [adapterId]).map(toLoad);
  }

  /** Loaded adapters of a node, least recently used first. */
  loadsOn(nodeId: string): AdapterLoad[] {
    return this.db
      .all("SELECT * FROM adapter_loads WHERE node_id = ? ORDER BY last_used_at, adapter_id", [nodeId])
      .map(toLoad);
  }

  isLoaded(adapterId: string, nodeId: string): boolean {
    return this.db.get("SELECT 1 AS x FROM adapter_loads WHERE adapter_id = ? AND node_id = ?", [adapterId, nodeId]) !== undefined;
  }

  markLoaded(adapterId: string, nodeId: string, now: number): void {
    this.db.run(
      `INSERT INTO adapter_loads (adapter_id, node_id, loaded_at, last_used_at) VALUES (?,?,?,?)
       ON CONFLICT (adapter_id, node_id) DO UPDATE SET last_used_at = excluded.last_used_at`,
      [adapterId, nodeId, now, now],
    );
  }

  markUnloaded(adapterId: string, nodeId: string): void {
    this.db.run("DELETE FROM adapter_loads WHERE adapter_id = ? AND node_id = ?", [adapterId, nodeId]);
  }

  /** Removes the adapter and any load rows left of it. */
  delete(adapterId: string): void {
    this.db.run("DELETE FROM adapter_loads WHERE adapter_id = ?", [adapterId]);
    this.db.run("DELETE FROM adapters WHERE id = ?", [adapterId]);
  }

  touch(adapterId: string, nodeId: string, now: number): void {
    this.db.run("UPDATE adapter_loads SET last_used_at = ? WHERE adapter_id = ? AND node_id = ?", [now, adapterId, nodeId]);
  }
}
