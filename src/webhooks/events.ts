// Webhook event types, the event a subscriber receives ({ type, timestamp, data }), and its deterministic id.
import { sha256Hex } from "../governance/crypto";

/** Every event type a subscription may name. `skill.created` fires once Mem2Skill lands. */
export const WEBHOOK_EVENT_TYPES = ["memory.created", "memory.updated", "memory.deleted", "job.completed", "job.failed", "skill.created"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** Sent only by `POST /v1/webhooks/:id/test`, to the one subscription named; never subscribed to. */
export const TEST_EVENT_TYPE = "webhook.test";
/** A subscription's event list that means every type, present and future. */
export const ALL_EVENTS = "*";

/** An event as queued and as delivered: `id` is the `webhook-id`, the rest is the JSON body. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType | typeof TEST_EVENT_TYPE;
  /** When the change happened (ISO 8601), not when it was sent: the same on every attempt. */
  timestamp: string;
  data: Record<string, unknown>;
}

/**
 * The id of an event derived from what happened, so that an outbox drained twice or a job
 * finished twice yields the same `webhook-id` and receivers can drop the copy.
 */
export async function eventId(...parts: string[]): Promise<string> {
  return `evt_${(await sha256Hex(parts.join("\u0000"))).slice(0, 32)}`;
}

/** Whether a subscription with this event list wants an event of this type. */
export function wants(events: readonly string[], type: string): boolean {
  return events.includes(ALL_EVENTS) || events.includes(type);
}

/** The body that is signed and POSTed: the spec's recommended shape, serialized once. */
export function eventBody(event: WebhookEvent): string {
  return JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
}
