// Puts a tenant's events on the events queue, skipping the send when the tenant has no enabled subscription.
import type { WebhookEvent } from "../webhooks/events";
import type { EventMessage, WebhookQueueMessage } from "../webhooks/messages";

/** What emitting needs: D1 for the subscription check, and the queue (absent: events are not emitted). */
export interface EmitEnv {
  DB: D1Database;
  EVENTS?: Queue<WebhookQueueMessage>;
}

/** How long an isolate trusts its answer to "does this tenant have a subscription?". */
export const SUBSCRIPTION_CACHE_MS = 10_000;
const cache = new Map<string, { has: boolean; until: number }>();

/** Whether the tenant has an enabled subscription: one indexed D1 read per tenant per 10 s per isolate. */
export async function hasSubscriptions(db: D1Database, tenantId: string, now = Date.now()): Promise<boolean> {
  const hit = cache.get(tenantId);
  if (hit && hit.until > now) return hit.has;
  const row = await db.prepare("SELECT 1 AS one FROM webhook_subscriptions WHERE tenant_id = ? AND enabled = 1 LIMIT 1").bind(tenantId).first();
  if (cache.size > 10_000) cache.clear();
  cache.set(tenantId, { has: row !== null, until: now + SUBSCRIPTION_CACHE_MS });
  return row !== null;
}

/** Forgets this isolate's answer for the tenant (after its subscriptions change here). */
export function forgetSubscriptionCache(tenantId: string): void {
  cache.delete(tenantId);
}

// Queues take at most 100 messages and 256 KB per batch; memories are at most a few tens of KB.
const BATCH_MESSAGES = 50;
const BATCH_BYTES = 200_000;

/**
 * Sends the events to the queue, in batches under the queue's limits. Throws when a send fails,
 * so that the caller (the outbox, a job consumer) retries: events are emitted at least once.
 */
export async function emitEvents(env: EmitEnv, tenantId: string, events: readonly WebhookEvent[]): Promise<number> {
  const queue = env.EVENTS;
  if (!queue || events.length === 0) return 0;
  if (!(await hasSubscriptions(env.DB, tenantId))) return 0;
  let batch: Array<{ body: EventMessage }> = [];
  let bytes = 0;
  for (const event of events) {
    const body: EventMessage = { kind: "event", tenant_id: tenantId, event };
    const size = JSON.stringify(body).length;
    if (batch.length && (batch.length >= BATCH_MESSAGES || bytes + size > BATCH_BYTES)) {
      await queue.sendBatch(batch);
      batch = [];
      bytes = 0;
    }
    batch.push({ body });
    bytes += size;
  }
  if (batch.length) await queue.sendBatch(batch);
  return events.length;
}
