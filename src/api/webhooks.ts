// /v1/webhooks: a tenant's webhook subscriptions (admin scope), their secrets, test pings and delivery logs.
import { z } from "zod";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { decodeCursor, encodeCursor } from "./cursor";
import { ALL_EVENTS, WEBHOOK_EVENT_TYPES } from "../webhooks/events";
import { MAX_URL_CHARS } from "../webhooks/url-rules";
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  patchSubscription,
  rotateSecret,
  sendTestEvent,
  DELIVERY_STATES,
} from "../services/webhooks";

const eventsSchema = z
  .array(z.enum([...WEBHOOK_EVENT_TYPES, ALL_EVENTS]))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length + 1)
  .describe(`event types to receive; "${ALL_EVENTS}" for all (the default)`);
const urlSchema = z.string().min(1).max(MAX_URL_CHARS).describe("https URL that receives the POSTs (http://localhost and 127.0.0.1 only in development)");
const descriptionSchema = z.string().max(500);

export const createWebhookBody = z.strictObject({
  url: urlSchema,
  events: eventsSchema.optional(),
  description: descriptionSchema.optional(),
  enabled: z.boolean().optional(),
});
const patchWebhookBody = z
  .strictObject({ url: urlSchema.optional(), events: eventsSchema.optional(), description: descriptionSchema.nullable().optional(), enabled: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, "give at least one of url, events, description, enabled");

const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
const withSecret = webhookSchema.extend({
  secret: z.string().nullable().describe("the whsec_ signing secret, shown once; null when an Idempotency-Key retry replays the answer"),
});
const attemptSchema = z.object({ at: z.string(), status: z.number().int().nullable(), error: z.string().nullable(), duration_ms: z.number() });
const deliverySchema = z.object({
  id: z.string(),
  subscription_id: z.string(),
  event_id: z.string().describe("the webhook-id header: the same on every attempt"),
  event_type: z.string(),
  state: z.enum(DELIVERY_STATES).describe("failed: the last attempt failed and another is scheduled; dead: given up"),
  attempts: z.number().int(),
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  log: z.array(attemptSchema),
  created_at: z.string(),
  updated_at: z.string(),
});

/** A create or rotate answer as the idempotency store keeps it: without the secret. */
export function redactWebhookSecret(body: Record<string, unknown>): Record<string, unknown> {
  return "secret" in body ? { ...body, secret: null } : body;
}

const idParam = z.object({ id: z.string().min(1).max(200) });
const cursorSchema = z.object({ c: z.number().int(), i: z.string() });

export const webhooks = routes();

const create = defineRoute({
  method: "post",
  path: "/",
  tags: ["webhooks"],
  scope: "admin",
  summary: "Subscribe a URL to events (the signing secret is shown once)",
  request: { body: jsonContent(createWebhookBody) },
  responses: { 201: jsonAnswer(withSecret, "Created") },
});
webhooks.openapi(create, async (c) => c.json(await createSubscription(c.env, c.get("auth").tenant_id, c.req.valid("json")), 201));

const list = defineRoute({
  method: "get",
  path: "/",
  tags: ["webhooks"],
  scope: "admin",
  summary: "List the tenant's webhook subscriptions (secrets are never shown)",
  responses: { 200: jsonAnswer(z.object({ webhooks: z.array(webhookSchema) })) },
});
webhooks.openapi(list, async (c) => c.json({ webhooks: await listSubscriptions(c.env, c.get("auth").tenant_id) }, 200));

const get = defineRoute({
  method: "get",
  path: "/{id}",
  tags: ["webhooks"],
  scope: "admin",
  summary: "A webhook subscription",
  request: { params: idParam },
  responses: { 200: jsonAnswer(webhookSchema) },
});
webhooks.openapi(get, async (c) => c.json(await getSubscription(c.env, c.get("auth").tenant_id, c.req.valid("param").id), 200));

const patch = defineRoute({
  method: "patch",
  path: "/{id}",
  tags: ["webhooks"],
  scope: "admin",
  summary: "Change a subscription's URL, events, description or enabled flag",
  request: { params: idParam, body: jsonContent(patchWebhookBody) },
  responses: { 200: jsonAnswer(webhookSchema) },
});
webhooks.openapi(patch, async (c) => c.json(await patchSubscription(c.env, c.get("auth").tenant_id, c.req.valid("param").id, c.req.valid("json")), 200));

const remove = defineRoute({
  method: "delete",
  path: "/{id}",
  tags: ["webhooks"],
  scope: "admin",
  summary: "Delete a subscription and its delivery log",
  request: { params: idParam },
  responses: { 200: jsonAnswer(z.object({ id: z.string(), deleted: z.boolean() })) },
});
webhooks.openapi(remove, async (c) => c.json(await deleteSubscription(c.env, c.get("auth").tenant_id, c.req.valid("param").id), 200));

const rotate = defineRoute({
  method: "post",
  path: "/{id}/rotate-secret",
  tags: ["webhooks"],
  scope: "admin",
  summary: "Replace the signing secret (shown once); the old one stops signing at once",
  request: { params: idParam },
  responses: { 200: jsonAnswer(withSecret) },
});
webhooks.openapi(rotate, async (c) => c.json(await rotateSecret(c.env, c.get("auth").tenant_id, c.req.valid("param").id), 200));

const test = defineRoute({
  method: "post",
  path: "/{id}/test",
  tags: ["webhooks"],
  scope: "admin",
  summary: "Send a webhook.test event to this subscription (queued; see its deliveries)",
  request: { params: idParam },
  responses: { 202: jsonAnswer(deliverySchema, "Queued") },
});
webhooks.openapi(test, async (c) => c.json(await sendTestEvent(c.env, c.get("auth").tenant_id, c.req.valid("param").id), 202));

const deliveries = defineRoute({
  method: "get",
  path: "/{id}/deliveries",
  tags: ["webhooks"],
  scope: "admin",
  summary: "A subscription's delivery log, newest first: state, attempts, statuses and errors",
  request: {
    params: idParam,
    query: z.strictObject({
      limit: z.coerce.number().int().min(1).max(100).default(20),
      cursor: z.string().max(500).optional(),
      state: z.enum(DELIVERY_STATES).optional(),
    }),
  },
  responses: { 200: jsonAnswer(z.object({ deliveries: z.array(deliverySchema), next_cursor: z.string().nullable() })) },
});
webhooks.openapi(deliveries, async (c) => {
  const q = c.req.valid("query");
  const page = await listDeliveries(c.env, c.get("auth").tenant_id, c.req.valid("param").id, {
    limit: q.limit,
    ...(q.cursor ? { cursor: decodeCursor(q.cursor, cursorSchema) } : {}),
    ...(q.state ? { state: q.state } : {}),
  });
  return c.json({ deliveries: page.deliveries, next_cursor: page.next ? encodeCursor(page.next) : null }, 200);
});
