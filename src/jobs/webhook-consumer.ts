// Consumer of the events queue: fans events out, sends deliveries with backoff; its dead-letter queue gives deliveries up.
import type { Env } from "../env";
import { backoffScale, retryDelaySeconds } from "../webhooks/backoff";
import { EVENTS_DLQ, EVENTS_QUEUE, isWebhookMessage } from "../webhooks/messages";
import { deliverOnce, fanOut, giveUp, type DeliveryEnv } from "../services/webhooks-delivery";

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function log(level: "info" | "warn" | "error", fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

async function handleOne(env: DeliveryEnv, message: Message<unknown>, deadLetter: boolean, scale: number): Promise<void> {
  const body = message.body;
  if (!isWebhookMessage(body)) {
    log("error", { queue: deadLetter ? EVENTS_DLQ : EVENTS_QUEUE, message: "malformed webhook message dropped", id: message.id });
    message.ack();
    return;
  }
  if (deadLetter) {
    if (body.kind === "delivery") await giveUp(env.DB, body, `gave up after the queue's retries (${message.attempts} on the dead-letter queue)`);
    else log("error", { tenant_id: body.tenant_id, event_id: body.event.id, type: body.event.type, message: "webhook event dead-lettered: it was not fanned out" });
    message.ack();
    return;
  }
  if (body.kind === "event") {
    await fanOut(env, body.tenant_id, body.event);
    message.ack();
    return;
  }
  const outcome = await deliverOnce(env, body);
  if (outcome.kind !== "sent" || outcome.ok) {
    message.ack();
    return;
  }
  const delaySeconds = retryDelaySeconds(message.attempts, scale);
  log("warn", { tenant_id: body.tenant_id, delivery_id: body.delivery_id, attempt: message.attempts, status: outcome.attempt.status, error: outcome.attempt.error, retry_in_s: delaySeconds });
  message.retry({ delaySeconds });
}

/**
 * One message at a time would hold a batch behind a slow receiver: the batch's messages run
 * side by side. A message whose own work threw (D1 or the queue failed) is retried with backoff;
 * the others are settled on their own.
 */
export async function handleWebhookQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const deadLetter = batch.queue === EVENTS_DLQ;
  const scale = backoffScale(env.WEBHOOK_BACKOFF_SCALE);
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        await handleOne(env, message, deadLetter, scale);
      } catch (err) {
        log("error", { queue: batch.queue, id: message.id, message: "webhook message failed; retrying", error: describe(err) });
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts, scale) });
      }
    }),
  );
}
