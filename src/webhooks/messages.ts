// Messages of the events queue: an event to fan out to a tenant's subscriptions, or one delivery to send.
import type { WebhookEvent } from "./events";

/** Queue of webhook events and deliveries (one queue, two kinds of message, one dead-letter queue). */
export const EVENTS_QUEUE = "memos-events";
export const EVENTS_DLQ = "memos-events-dlq";

/** An event of a tenant, to be recorded as one delivery per matching subscription. */
export interface EventMessage {
  kind: "event";
  tenant_id: string;
  event: WebhookEvent;
}

/** One delivery (a stored event for one subscription) to POST; its row holds the body. */
export interface DeliveryMessage {
  kind: "delivery";
  tenant_id: string;
  delivery_id: string;
}

export type WebhookQueueMessage = EventMessage | DeliveryMessage;

export function isWebhookQueue(queue: string): boolean {
  return queue === EVENTS_QUEUE || queue === EVENTS_DLQ;
}

export function isWebhookMessage(body: unknown): body is WebhookQueueMessage {
  if (typeof body !== "object" || body === null) return false;
  const b = body as Record<string, unknown>;
  if (typeof b.tenant_id !== "string") return false;
  if (b.kind === "delivery") return typeof b.delivery_id === "string";
  if (b.kind !== "event" || typeof b.event !== "object" || b.event === null) return false;
  const e = b.event as Record<string, unknown>;
  return typeof e.id === "string" && typeof e.type === "string" && typeof e.timestamp === "string" && typeof e.data === "object" && e.data !== null;
}
