// Training jobs in the registry: their spec and state machine (queued, running, succeeded, failed).
import type { JobState } from "@memos-edge/bridge-protocol";
import type { RegistryDb, Row } from "./db.js";

export interface Job {
  id: string;
  tenant_id: string;
  cube_id: string;
  adapter_name: string;
  base_model: string;
  spec: unknown;
  state: JobState;
  error: string | null;
  adapter_id: string | null;
  created_at: number;
  updated_at: number;
}

function toJob(r: Row): Job {
  return {
    id: String(r.id),
    tenant_id: String(r.tenant_id),
    cube_id: String(r.cube_id),
    adapter_name: String(r.adapter_name),
    base_model: String(r.base_model),
    spec: JSON.parse(String(r.spec)) as unknown,
    state: String(r.state) as JobState,
    error: r.error === null ? null : String(r.error),
    adapter_id: r.adapter_id === null ? null : String(r.adapter_id),
    created_at: Number(r.created_at),
    updated_at: Number(r.updated_at),
  };
}

export class JobStore {
  constructor(private readonly db: RegistryDb) {}

  insert(j: Job): void {
    this.db.run(
      `INSERT INTO jobs (id, tenant_id, cube_id, adapter_name, base_model, spec, state, error, adapter_id, created_at, updated_at)
       VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
      [j.id, j.tenant_id, j.cube_id, j.adapter_name, j.base_model, JSON.stringify(j.spec), j.state, j.error, j.adapter_id, j.created_at, j.updated_at],
    );
  }

  get(id: string): Job | undefined {
    const r = this.db.get("SELECT * FROM jobs WHERE id = ?", [id]);
    return r ? toJob(r) : undefined;
  }

  listByCube(tenantId: string, cubeId: string): Job[] {
    return this.db.all("SELECT * FROM jobs WHERE tenant_id = ? AND cube_id = ? ORDER BY created_at, id", [tenantId, cubeId]).map(toJob);
  }

  /** Jobs that were running when the bridge stopped; they cannot be resumed. */
  unfinished(): Job[] {
    return this.db.all("SELECT * FROM jobs WHERE state IN ('queued', 'running')").map(toJob);
  }

  setState(id: string, state: JobState, now: number, extra: { error?: string | null; adapter_id?: string | null } = {}): void {
    this.db.run("UPDATE jobs SET state = ?, error = ?, adapter_id = COALESCE(?, adapter_id), updated_at = ? WHERE id = ?", [
      state,
      extra.error ?? null,
      extra.adapter_id ?? null,
      now,
      id,
    ]);
  }
}
