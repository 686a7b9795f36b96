// `skill.created` webhook events (sent by the cube outbox's event sink): the skill's id, name and cube only (never its steps), with an id derived from the skill.
import type { CubeIdentity } from "../memory/cube-contract";
import { eventId, type WebhookEvent } from "../webhooks/events";

/** A skill id is never reused, so its creation has one event id however often it is emitted. */
export async function skillCreatedEvent(identity: CubeIdentity, skill: { id: string; name: string }, at: number): Promise<WebhookEvent> {
  return {
    id: await eventId("skill", identity.tenant_id, skill.id, "created"),
    type: "skill.created",
    timestamp: new Date(at).toISOString(),
    data: { skill: { id: skill.id, name: skill.name, cube_id: identity.cube_id } },
  };
}

