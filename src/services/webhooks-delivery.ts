// Webhook delivery: fan an event out to matching subscriptions, POST one signed delivery, give one up.
import { wants, type WebhookEvent } from "../webhooks/events";
import type { DeliveryMessage, WebhookQueueMessage } from "../webhooks/messages";
import { signedHeaders } from "../webhooks/signing";
import { webhookUrlProblem } from "../webhooks/url-rules";
import { insertDelivery, loggableEvent } from "./webhooks";

/** How long a receiver may take to answer one attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** Finished deliveries (succeeded or dead) older than this leave the log. */
export const DELIVERY_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** At most this many old deliveries of a subscription leave the log per new event: the log ages out as it grows. */
const PRUNE_PER_EVENT = 50;
/** Attempts kept in a delivery's log (the queue's retry limit keeps it far below). */
const MAX_LOGGED_ATTEMPTS = 50;

export interface DeliveryEnv {
  DB: D1Database;
  EVENTS: Queue<WebhookQueueMessage>;
  ENVIRONMENT?: string;
}

/**
 * Records one delivery per enabled subscription of the tenant that wants the event (once per
 * pair, however often the event arrives) and queues the ones not yet attempted; finished
 * deliveries older than 30 days leave each of those logs meanwhile. Returns how many deliveries
 * it queued.
 */
export async function fanOut(env: DeliveryEnv, tenantId: string, event: WebhookEvent, now = Date.now()): Promise<number> {
  const subs = await env.DB.prepare("SELECT id, events FROM webhook_subscriptions WHERE tenant_id = ? AND enabled = 1").bind(tenantId).all<{ id: string; events: string }>();
  const matching = subs.results.filter((s) => wants(JSON.parse(s.events) as string[], event.type));
  if (matching.length === 0) return 0;
  // A memory deleted before its event got here is logged (and sent) without its content.
  event = await loggableEvent(env.DB, tenantId, event);
  const prune = env.DB.prepare(
    `DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries
       WHERE tenant_id = ? AND subscription_id = ? AND created_at < ? AND state IN ('succeeded', 'dead') ORDER BY created_at LIMIT ?)`,
  );
  await env.DB.batch(matching.flatMap((s) => [insertDelivery(env.DB, tenantId, s.id, event, now), prune.bind(tenantId, s.id, now - DELIVERY_RETENTION_MS, PRUNE_PER_EVENT)]));
  // A repeat of the event (or of this message) finds its deliveries attempted already and sends nothing new.
  const fresh = await env.DB.prepare("SELECT id FROM webhook_deliveries WHERE tenant_id = ? AND event_id = ? AND state = 'pending' AND attempts = 0")
    .bind(tenantId, event.id)
    .all<{ id: string }>();
  const messages = fresh.results.map((r) => ({ body: { kind: "delivery", tenant_id: tenantId, delivery_id: r.id } satisfies DeliveryMessage }));
  for (let i = 0; i < messages.length; i += 100) await env.EVENTS.sendBatch(messages.slice(i, i + 100));
  return messages.length;
}

interface Target {
  id: string;
  event_id: string;
  payload: string;
  state: string;
  url: string;
  secret: string;
  enabled: number;
}

export interface Attempt {
  status: number | null;
  error: string | null;
  duration_ms: number;
}

/** "gone": no such delivery (its subscription was deleted); "done": nothing left to send; otherwise this attempt's outcome. */
export type DeliveryOutcome = { kind: "gone" | "done" } | { kind: "sent"; ok: boolean; attempt: Attempt };

function describe(err: unknown): string {
  if (err instanceof Error) return err.name === "TimeoutError" ? `no answer within ${DELIVERY_TIMEOUT_MS} ms` : `${err.name}: ${err.message}`;
  return String(err);
}

/** POSTs the body once, signed for this attempt; 2xx is success, anything else (a redirect too) is not. */
async function post(target: Target, now: number): Promise<Attempt> {
  const started = Date.now();
  const timestamp = Math.floor(now / 1000);
  try {
    const res = await fetch(target.url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "memos-edge-webhooks/1", ...(await signedHeaders(target.secret, target.event_id, timestamp, target.payload)) },
      body: target.payload,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await res.body?.cancel();
    const duration_ms = Date.now() - started;
    if (res.status >= 200 && res.status < 300) return { status: res.status, error: null, duration_ms };
    const error = res.status >= 300 && res.status < 400 ? `redirect (${res.status}) not followed` : `receiver answered ${res.status}`;
    return { status: res.status, error, duration_ms };
  } catch (err) {
    return { status: null, error: describe(err).slice(0, 500), duration_ms: Date.now() - started };
  }
}

async function record(db: D1Database, tenantId: string, id: string, attempt: Attempt, state: string, now: number): Promise<void> {
  const entry = JSON.stringify({ at: new Date(now).toISOString(), ...attempt });
  await db
    .prepare(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?, last_error = ?, state = ?, updated_at = ?,
         log = CASE WHEN json_array_length(log) < ? THEN json_insert(log, '$[#]', json(?)) ELSE log END
       WHERE id = ? AND tenant_id = ? AND state NOT IN ('succeeded', 'dead')`,
    )
    .bind(attempt.status, attempt.error, state, now, MAX_LOGGED_ATTEMPTS, entry, id, tenantId)
    .run();
}

/** One attempt of one delivery, recorded in its log. The caller retries a failure with backoff. */
export async function deliverOnce(env: DeliveryEnv, msg: DeliveryMessage, now = Date.now()): Promise<DeliveryOutcome> {
  const target = await env.DB.prepare(
    `SELECT d.id, d.event_id, d.payload, d.state, s.url, s.secret, s.enabled FROM webhook_deliveries d
       JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.tenant_id = d.tenant_id
     WHERE d.id = ? AND d.tenant_id = ?`,
  )
    .bind(msg.delivery_id, msg.tenant_id)
    .first<Target>();
  if (!target) return { kind: "gone" };
  if (target.state === "succeeded" || target.state === "dead") return { kind: "done" };
  if (target.enabled !== 1) {
    await giveUp(env.DB, msg, "subscription disabled before the delivery was sent", now);
    return { kind: "done" };
  }
  // The rule is checked again at send time: a URL stored under another environment is not sent to.
  const problem = webhookUrlProblem(target.url, env.ENVIRONMENT);
  const attempt = problem ? { status: null, error: `not sent: ${problem}`, duration_ms: 0 } : await post(target, now);
  const ok = attempt.error === null;
  await record(env.DB, msg.tenant_id, target.id, attempt, ok ? "succeeded" : "failed", now);
  return { kind: "sent", ok, attempt };
}

/** Marks a delivery given up (its retries are spent, or it can no longer be sent); a success stays a success. */
export async function giveUp(db: D1Database, msg: DeliveryMessage, reason: string, now = Date.now()): Promise<void> {
  await db
    .prepare(
      `UPDATE webhook_deliveries SET state = 'dead', updated_at = ?, last_error = CASE WHEN last_error IS NULL THEN ? ELSE ? || '; last error: ' || last_error END
       WHERE id = ? AND tenant_id = ? AND state NOT IN ('succeeded', 'dead')`,
    )
    .bind(now, reason, reason, msg.delivery_id, msg.tenant_id)
    .run();
}
