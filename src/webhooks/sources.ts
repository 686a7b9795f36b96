// The events of memories and jobs, built from their state with ids derived from it (same state, same id).
import type { Memory } from "../memory/types";
import type { CubeIdentity, JobRecord } from "../memory/cube-contract";
import { memoryOut } from "../api/schemas";
import { jobOut } from "../services/jobs";
import { eventId, type WebhookEvent } from "./events";

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * `memory.created` for a memory still at its first state, `memory.updated` for any later one.
 * The outbox coalesces: a memory created and changed before one drain is announced once, updated.
 */
export async function memoryChanged(m: Memory): Promise<WebhookEvent> {
  const created = m.version === 1 && m.updated_at === m.created_at;
  return {
    id: await eventId("memory", m.tenant_id, m.id, String(m.version), String(m.updated_at)),
    type: created ? "memory.created" : "memory.updated",
    timestamp: iso(m.updated_at),
    data: { memory: memoryOut(m) },
  };
}

/** `memory.deleted`: a memory id is never reused, so its deletion has one id. */
export async function memoryDeleted(identity: CubeIdentity, memoryId: string, at: number): Promise<WebhookEvent> {
  return {
    id: await eventId("memory", identity.tenant_id, memoryId, "deleted"),
    type: "memory.deleted",
    timestamp: iso(at),
    data: { memory: { id: memoryId, cube_id: identity.cube_id } },
  };
}

/** `job.completed` or `job.failed` for a job in a final state; null for any other state. */
export async function jobFinished(identity: CubeIdentity, job: JobRecord): Promise<WebhookEvent | null> {
  if (job.state !== "succeeded" && job.state !== "failed") return null;
  const type = job.state === "succeeded" ? "job.completed" : "job.failed";
  return { id: await eventId("job", identity.tenant_id, job.id, type), type, timestamp: iso(job.updated_at), data: { job: jobOut(identity, job) } };
}
