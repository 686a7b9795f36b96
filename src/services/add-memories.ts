// The add flow: texts stored as memories directly (infer false), or messages stored raw and an
// extraction job queued (or run at once with sync); a user's cube is registered once it accepted.
import type { AddMemoriesBody } from "../api/schemas";
import type { Idempotency, JobRecord } from "../memory/cube-contract";
import type { Memory } from "../memory/types";
import { newId } from "../lib/ids";
import { runSyncJob } from "../jobs/run-extract";
import { skillJobMessage } from "../jobs/run-skill";
import { unwrap } from "./cubes";
import { reachWrite, type Principal } from "./access";
import { writeAgent } from "../governance/access";
import { ApiError } from "../errors";
import type { Deps } from "./deps";
import { prepareMemories } from "./prepare";
import { requestedExpiry } from "../memory/lifecycle";
import { toolCallsOf } from "../memory/skills-contract";
import { maskForCube, modelSpans } from "./privacy";

export type AddOutcome =
  /** Stored directly (201). */
  | { kind: "stored"; memories: Memory[] }
  /** A job was queued (202), or ran at once with sync (201, with its memories). */
  | { kind: "job"; job: JobRecord; replayed: number; memories?: Memory[] }
  /** Nothing new: an idempotent retry, or every message was a replay (200 when all were). */
  | { kind: "known"; job: JobRecord; replayed: number; all_replayed: boolean };

export async function addMemories(deps: Deps, who: Principal, body: AddMemoriesBody, idem: Idempotency | undefined): Promise<{ cube_id: string; outcome: AddOutcome }> {
  // A key limited to agents writes as one of them: the one named, else its only one.
  const agent = writeAgent(who.limits, body.agent_id);
  if (!agent.ok) throw new ApiError("forbidden", agent.message);
  const target = await reachWrite(deps, who, body);
  const { identity } = target;
  const scope = { user_id: body.user_id ?? null, agent_id: agent.agent_id ?? null, session_id: body.session_id ?? null };
  const now = Date.now();
  const messages = body.messages ?? [{ role: "user" as const, content: body.text as string, name: undefined, timestamp: undefined }];
  const cube = deps.cube(identity);

  if (!body.infer) {
    // Desensitized by the cube before anything is embedded.
    const texts = await maskForCube(cube, identity, messages.map((m) => m.content), deps.piiFinder);
    const drafts = messages.map((m, i) => ({
      ...scope,
      text: texts[i] ?? m.content,
      type: body.type ?? (body.messages ? "message" : "note"),
      tags: body.tags,
      entities: m.name ? [m.name] : [],
      metadata: body.messages ? { ...body.metadata, role: m.role, ...(m.name ? { name: m.name } : {}) } : body.metadata,
      importance: body.importance ?? 0.5,
      event_time: m.timestamp ? Date.parse(m.timestamp) : null,
      source_message_ids: [],
      expires_at: requestedExpiry(body, now),
    }));
    const { items, embedder } = await prepareMemories(deps.embedder, drafts);
    const result = unwrap(await cube.addMemories({ identity, embedder, items, idempotency: idem }));
    await target.register();
    return { cube_id: identity.cube_id, outcome: { kind: "stored", memories: result.memories } };
  }

  // Names and addresses are found before anything is stored (the model reads the raw messages once).
  const piiSpans = await modelSpans(deps.piiFinder, messages.map((m) => m.content));
  const jobId = newId("job", now);
  await deps.jobs.register(identity, jobId);
  const added = await cube.addMessages({
    identity,
    job_id: jobId,
    mode: body.mode,
    options: { ...scope, tags: body.tags, metadata: body.metadata },
    messages: messages.map((m) => ({ ...scope, role: m.role, name: m.name ?? null, content: m.content, timestamp: m.timestamp ? Date.parse(m.timestamp) : now, ...toolCallsOf(m) })),
    ...(piiSpans ? { pii_spans: piiSpans } : {}),
    idempotency: idem,
  });
  if (!added.ok || added.value.job.id !== jobId) await deps.jobs.unregister(identity, jobId);
  const { job, replayed } = unwrap(added);
  await target.register();
  if (job.id !== jobId) return { cube_id: identity.cube_id, outcome: { kind: "known", job, replayed, all_replayed: replayed === messages.length } };
  const message = { kind: "extract" as const, job_id: job.id, identity };
  if (body.sync) {
    const done = await runSyncJob(deps, message);
    // Skills are mined on the queue after it, as for a queued extraction (never inside the request).
    if (done.state === "succeeded") await deps.jobs.enqueue(skillJobMessage(identity, done.id));
    const list = await Promise.all((done.result?.memory_ids ?? []).map(async (id) => unwrap(await cube.getMemory(identity, id))));
    return { cube_id: identity.cube_id, outcome: { kind: "job", job: done, replayed, memories: list } };
  }
  await deps.jobs.enqueue(message);
  return { cube_id: identity.cube_id, outcome: { kind: "job", job, replayed } };
}
