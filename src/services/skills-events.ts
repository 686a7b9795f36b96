// `skill.created` webhook events: the skill's id, name and cube only (never its steps), with an id derived from the skill.
import type { CubeIdentity } from "../memory/cube-contract";
import { eventId, type WebhookEvent } from "../webhooks/events";
import { emitEvents, type EmitEnv } from "./webhooks-emit";

/** A skill id is never reused, so its creation has one event id however often it is emitted. */
export async function skillCreatedEvent(identity: CubeIdentity, skill: { id: string; name: string }, at: number): Promise<WebhookEvent> {
  return {
    id: await eventId("skill", identity.tenant_id, skill.id, "created"),
    type: "skill.created",
    timestamp: new Date(at).toISOString(),
    data: { skill: { id: skill.id, name: skill.name, cube_id: identity.cube_id } },
  };
}

/** Emits `skill.created` for each skill (at least once: callers emit again on a retry). */
export async function emitSkillsCreated(env: EmitEnv, identity: CubeIdentity, skills: ReadonlyArray<{ id: string; name: string }>, at = Date.now()): Promise<void> {
  if (!skills.length) return;
  await emitEvents(env, identity.tenant_id, await Promise.all(skills.map((s) => skillCreatedEvent(identity, s, at))));
}
