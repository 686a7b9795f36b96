// Webhook subscriptions of a tenant (create with a secret shown once, read, change, delete, rotate) and their delivery log.
import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { webhookDeliveries, webhookSubscriptions } from "../db/schema";
import { ApiError } from "../errors";
import { ALL_EVENTS, TEST_EVENT_TYPE, eventBody, type WebhookEvent } from "../webhooks/events";
import { generateSecret } from "../webhooks/signing";
import { webhookUrlProblem } from "../webhooks/url-rules";
import { deliveryId, randomEventId, subscriptionId } from "../webhooks/ids";
import type { WebhookQueueMessage } from "../webhooks/messages";
import { forgetSubscriptionCache } from "./webhooks-emit";

/** A tenant holds at most this many subscriptions (each event is recorded and sent once per match). */
export const MAX_SUBSCRIPTIONS = 25;

export interface WebhooksEnv {
  DB: D1Database;
  EVENTS: Queue<WebhookQueueMessage>;
  ENVIRONMENT?: string;
}

type SubscriptionRow = typeof webhookSubscriptions.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;

const iso = (ms: number) => new Date(ms).toISOString();

export function subscriptionOut(r: SubscriptionRow) {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    events: JSON.parse(r.events) as string[],
    enabled: r.enabled === 1,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

export interface AttemptLog {
  at: string;
  status: number | null;
  error: string | null;
  duration_ms: number;
}

export const DELIVERY_STATES = ["pending", "succeeded", "failed", "dead"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];
const isDeliveryState = (s: string): s is DeliveryState => (DELIVERY_STATES as readonly string[]).includes(s);

export function deliveryOut(r: DeliveryRow) {
  return {
    id: r.id,
    subscription_id: r.subscriptionId,
    event_id: r.eventId,
    event_type: r.eventType,
    state: isDeliveryState(r.state) ? r.state : "pending",
    attempts: r.attempts,
    last_status: r.lastStatus,
    last_error: r.lastError,
    log: JSON.parse(r.log) as AttemptLog[],
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

function checkUrl(url: string, environment: string | undefined): void {
  const problem = webhookUrlProblem(url, environment);
  if (problem) throw new ApiError("invalid_request", problem, [{ path: "url", message: problem }]);
}

/** `["*"]` when every type is wanted; otherwise the named types once each, in the order given. */
function normalizeEvents(events: readonly string[] | undefined): string[] {
  if (!events || events.includes(ALL_EVENTS)) return [ALL_EVENTS];
  return [...new Set(events)];
}

async function findSubscription(env: WebhooksEnv, tenantId: string, id: string): Promise<SubscriptionRow> {
  const row = await drizzle(env.DB)
    .select()
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.tenantId, tenantId), eq(webhookSubscriptions.id, id)))
    .get();
  if (!row) throw new ApiError("not_found", `webhook ${id} not found`);
  return row;
}

export interface CreateSubscription {
  url: string;
  events?: string[];
  description?: string;
  enabled?: boolean;
}

export async function createSubscription(env: WebhooksEnv, tenantId: string, input: CreateSubscription) {
  checkUrl(input.url, env.ENVIRONMENT);
  const db = drizzle(env.DB);
  const count = await db
    .select({ n: sql<number>`count(*)` })
    .from(webhookSubscriptions)
    .where(eq(webhookSubscriptions.tenantId, tenantId))
    .get();
  if ((count?.n ?? 0) >= MAX_SUBSCRIPTIONS) throw new ApiError("conflict", `a tenant has at most ${MAX_SUBSCRIPTIONS} webhook subscriptions`);
  const now = Date.now();
  const row: SubscriptionRow = {
    id: subscriptionId(now),
    tenantId,
    url: input.url,
    description: input.description ?? null,
    events: JSON.stringify(normalizeEvents(input.events)),
    secret: generateSecret(),
    enabled: input.enabled === false ? 0 : 1,
    createdAt: now,
    updatedAt: now,
  };
  await db.insert(webhookSubscriptions).values(row).run();
  forgetSubscriptionCache(tenantId);
  return { ...subscriptionOut(row), secret: row.secret };
}

export async function listSubscriptions(env: WebhooksEnv, tenantId: string) {
  const rows = await drizzle(env.DB)
    .select()
    .from(webhookSubscriptions)
    .where(eq(webhookSubscriptions.tenantId, tenantId))
    .orderBy(webhookSubscriptions.createdAt, webhookSubscriptions.id)
    .all();
  return rows.map(subscriptionOut);
}

export async function getSubscription(env: WebhooksEnv, tenantId: string, id: string) {
  return subscriptionOut(await findSubscription(env, tenantId, id));
}

export interface PatchSubscription {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

export async function patchSubscription(env: WebhooksEnv, tenantId: string, id: string, patch: PatchSubscription) {
  if (patch.url !== undefined) checkUrl(patch.url, env.ENVIRONMENT);
  await findSubscription(env, tenantId, id);
  const set: Partial<SubscriptionRow> = { updatedAt: Date.now() };
  if (patch.url !== undefined) set.url = patch.url;
  if (patch.events !== undefined) set.events = JSON.stringify(normalizeEvents(patch.events));
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.enabled !== undefined) set.enabled = patch.enabled ? 1 : 0;
  await drizzle(env.DB)
    .update(webhookSubscriptions)
    .set(set)
    .where(and(eq(webhookSubscriptions.tenantId, tenantId), eq(webhookSubscriptions.id, id)))
    .run();
  forgetSubscriptionCache(tenantId);
  return getSubscription(env, tenantId, id);
}

/** Deletes the subscription and its delivery log; deliveries still queued find nothing and are dropped. */
export async function deleteSubscription(env: WebhooksEnv, tenantId: string, id: string) {
  await findSubscription(env, tenantId, id);
  const db = drizzle(env.DB);
  await db.batch([
    db.delete(webhookDeliveries).where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.subscriptionId, id))),
    db.delete(webhookSubscriptions).where(and(eq(webhookSubscriptions.tenantId, tenantId), eq(webhookSubscriptions.id, id))),
  ]);
  forgetSubscriptionCache(tenantId);
  return { id, deleted: true };
}

/** A new secret at once: deliveries from now on (retries included) are signed with it. */
export async function rotateSecret(env: WebhooksEnv, tenantId: string, id: string) {
  await findSubscription(env, tenantId, id);
  const secret = generateSecret();
  await drizzle(env.DB)
    .update(webhookSubscriptions)
    .set({ secret, updatedAt: Date.now() })
    .where(and(eq(webhookSubscriptions.tenantId, tenantId), eq(webhookSubscriptions.id, id)))
    .run();
  return { ...(await getSubscription(env, tenantId, id)), secret };
}

/** Whether the tenant has a subscription, enabled or not (and so possibly a delivery log). */
export async function hasAnySubscription(db: D1Database, tenantId: string): Promise<boolean> {
  return (await db.prepare("SELECT 1 AS one FROM webhook_subscriptions WHERE tenant_id = ? LIMIT 1").bind(tenantId).first()) !== null;
}

/** The event types whose payload holds a memory's content. */
const CONTENT_EVENTS = ["memory.created", "memory.updated"] as const;

/**
 * Takes deleted memories' content out of the delivery log: the payloads of their created and
 * updated events keep only `{id, deleted: true}`, so deleted means gone from D1 here too (a
 * delivery still to be sent sends that). Tenant-filtered; one statement per memory, in a batch.
 */
export async function redactMemoryDeliveries(db: D1Database, tenantId: string, memoryIds: readonly string[]): Promise<void> {
  if (memoryIds.length === 0) return;
  const redact = db.prepare(
    `UPDATE webhook_deliveries SET payload = json_set(payload, '$.data.memory', json_object('id', ?2, 'deleted', json('true')))
     WHERE tenant_id = ?1 AND event_type IN (${CONTENT_EVENTS.map((t) => `'${t}'`).join(", ")}) AND instr(payload, ?3) > 0`,
  );
  await db.batch(memoryIds.map((id) => redact.bind(tenantId, id, JSON.stringify(id))));
}

/**
 * The event as the delivery log may keep it: a created or updated event of a memory the catalog
 * no longer holds (deleted before this event was fanned out) is recorded without its content.
 */
export async function loggableEvent(db: D1Database, tenantId: string, event: WebhookEvent): Promise<WebhookEvent> {
  if (!(CONTENT_EVENTS as readonly string[]).includes(event.type)) return event;
  const memory = (event.data as { memory?: { id?: unknown } }).memory;
  if (typeof memory?.id !== "string") return event;
  const live = await db.prepare("SELECT 1 AS one FROM memories WHERE tenant_id = ? AND id = ?").bind(tenantId, memory.id).first();
  return live ? event : { ...event, data: { ...event.data, memory: { id: memory.id, deleted: true } } };
}

/** Records one delivery row for a fresh event; a row for the same (subscription, event) is kept as it is. */
export function insertDelivery(db: D1Database, tenantId: string, subscription: string, event: WebhookEvent, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO webhook_deliveries (id, tenant_id, subscription_id, event_id, event_type, payload, state, attempts, last_status, last_error, log, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, NULL, NULL, '[]', ?, ?) ON CONFLICT(subscription_id, event_id) DO NOTHING`,
    )
    .bind(deliveryId(now), tenantId, subscription, event.id, event.type, eventBody(event), now, now);
}

/** Sends a `webhook.test` event to this one subscription, through the same queue and log as every event. */
export async function sendTestEvent(env: WebhooksEnv, tenantId: string, id: string) {
  const sub = await findSubscription(env, tenantId, id);
  if (sub.enabled !== 1) throw new ApiError("conflict", `webhook ${id} is disabled: enable it before testing it`);
  const now = Date.now();
  const event: WebhookEvent = { id: randomEventId(now), type: TEST_EVENT_TYPE, timestamp: iso(now), data: { subscription_id: id } };
  await insertDelivery(env.DB, tenantId, id, event, now).run();
  const row = await drizzle(env.DB)
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.subscriptionId, id), eq(webhookDeliveries.eventId, event.id)))
    .get();
  if (!row) throw new ApiError("internal", "the test delivery was not recorded");
  await env.EVENTS.send({ kind: "delivery", tenant_id: tenantId, delivery_id: row.id });
  return deliveryOut(row);
}

export interface DeliveryPage {
  limit: number;
  cursor?: { c: number; i: string };
  state?: DeliveryState;
}

/** A subscription's deliveries, newest first, a page at a time. */
export async function listDeliveries(env: WebhooksEnv, tenantId: string, id: string, page: DeliveryPage) {
  await findSubscription(env, tenantId, id);
  const d = webhookDeliveries;
  const conditions = [eq(d.tenantId, tenantId), eq(d.subscriptionId, id)];
  if (page.state) conditions.push(eq(d.state, page.state));
  if (page.cursor) {
    const after = or(lt(d.createdAt, page.cursor.c), and(eq(d.createdAt, page.cursor.c), lt(d.id, page.cursor.i)));
    if (after) conditions.push(after);
  }
  const rows = await drizzle(env.DB)
    .select()
    .from(d)
    .where(and(...conditions))
    .orderBy(desc(d.createdAt), desc(d.id))
    .limit(page.limit + 1)
    .all();
  const more = rows.length > page.limit;
  const shown = rows.slice(0, page.limit);
  const last = shown[shown.length - 1];
  return { deliveries: shown.map(deliveryOut), next: more && last ? { c: last.createdAt, i: last.id } : null };
}
