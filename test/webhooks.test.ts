// Webhooks in workerd: the routes and their rules, isolation across tenants, signing against the spec's example, events into the delivery log.
import { describe, expect, it } from "vitest";
import { createExecutionContext, createMessageBatch, env, getQueueResult, runDurableObjectAlarm } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { api, newTenant, storedJob, uniq, type Tenant } from "./helpers";
import worker from "../src/index";
import type { JobMessage } from "../src/jobs/messages";
import type { WebhookQueueMessage } from "../src/webhooks/messages";
import { probeStub } from "./fixtures/cube-probe";
import { sign, generateSecret, secretBytes } from "../src/webhooks/signing";
import { retryDelaySeconds, backoffScale, RETRY_SCHEDULE_S } from "../src/webhooks/backoff";
import { webhookUrlProblem } from "../src/webhooks/url-rules";
import { memoryChanged, memoryDeleted } from "../src/webhooks/sources";
import { fanOut } from "../src/services/webhooks-delivery";
import type { Memory } from "../src/memory/types";

interface Sub {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  description: string | null;
  secret?: string | null;
}
interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  state: string;
  attempts: number;
}

const ADMIN_SCOPES = ["memories:read", "memories:write", "admin"];
// Nothing listens on port 9 of the loopback: an attempt there fails at once, and no delivery leaves the machine.
const DEAD_URL = "http://127.0.0.1:9/hook";

async function subscribe(t: Tenant, body: Record<string, unknown> = {}) {
  const r = await api<Sub>(t, "POST", "/v1/webhooks", { url: DEAD_URL, ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

async function deliveriesOf(t: Tenant, id: string, query = "") {
  return api<{ deliveries: Delivery[]; next_cursor: string | null }>(t, "GET", `/v1/webhooks/${id}/deliveries${query}`);
}

async function storedDeliveries(tenant: string) {
  const r = await env.DB.prepare("SELECT subscription_id, event_id, event_type, payload FROM webhook_deliveries WHERE tenant_id = ? ORDER BY created_at").bind(tenant).all<{ subscription_id: string; event_id: string; event_type: string; payload: string }>();
  return r.results;
}

/** Polls D1 until the tenant's deliveries satisfy `until` (10 s at most). */
async function waitForDeliveries(tenant: string, until: (rows: Awaited<ReturnType<typeof storedDeliveries>>) => boolean) {
  for (let i = 0; i < 100; i++) {
    const rows = await storedDeliveries(tenant);
    if (until(rows)) return rows;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`deliveries of ${tenant} never reached the expected state: ${JSON.stringify(await storedDeliveries(tenant))}`);
}

const memory = (over: Partial<Memory> = {}): Memory =>
  ({
    id: "mem_1",
    tenant_id: "tnt_a",
    cube_id: "user:ann",
    user_id: "ann",
    agent_id: null,
    session_id: null,
    text: "Ann lives in Oslo",
    type: "fact",
    tags: [],
    entities: [],
    metadata: {},
    importance: 0.5,
    state: "active",
    version: 1,
    hash: "h",
    created_at: 1_000,
    updated_at: 1_000,
    valid_from: 1_000,
    valid_to: null,
    event_time: null,
    source_message_ids: [],
    seen_count: 1,
    last_seen_at: 1_000,
    ...over,
  }) as Memory;

describe("webhook signing (Standard Webhooks)", () => {
  it("signs the spec's example exactly as its reference library does", async () => {
    // libraries/javascript/src/webhook.test.ts of standard-webhooks: "sign function works".
    const signature = await sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}');
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("generates whsec_ secrets of 32 random bytes that the reference verifier accepts", async () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretBytes(secret)).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: "memory.created", timestamp: new Date().toISOString(), data: { x: "é" } });
    const headers = { "webhook-id": "evt_1", "webhook-timestamp": String(now), "webhook-signature": await sign(secret, "evt_1", now, body) };
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({ type: "memory.created" });
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
  });
});

describe("webhook retry schedule and URL rules", () => {
  it("backs off along the schedule, caps at its last step and scales to zero for tests", () => {
    expect([1, 2, 3, 8].map((n) => retryDelaySeconds(n))).toEqual([5, 30, 120, 14_400]);
    expect(retryDelaySeconds(20)).toBe(RETRY_SCHEDULE_S[RETRY_SCHEDULE_S.length - 1]);
    expect(retryDelaySeconds(3, 0)).toBe(0);
    expect(retryDelaySeconds(2, 0.1)).toBe(3);
    expect(backoffScale(undefined)).toBe(1);
    expect(() => backoffScale("-1")).toThrow(/WEBHOOK_BACKOFF_SCALE/);
  });

  it("allows https to public hosts everywhere and http only to loopback in development", () => {
    expect(webhookUrlProblem("https://hooks.example.com/in", "production")).toBeNull();
    expect(webhookUrlProblem("http://hooks.example.com/in", "production")).toMatch(/https/);
    expect(webhookUrlProblem("http://127.0.0.1:8080/in", "production")).toMatch(/https/);
    expect(webhookUrlProblem("https://127.0.0.1/in", "production")).toMatch(/public host/);
    expect(webhookUrlProblem("https://10.1.2.3/in", "production")).toMatch(/public host/);
    expect(webhookUrlProblem("https://192.168.0.5/in", undefined)).toMatch(/public host/);
    expect(webhookUrlProblem("https://[::1]/in", "production")).toMatch(/public host/);
    expect(webhookUrlProblem("https://localhost/in", "production")).toMatch(/public host/);
    expect(webhookUrlProblem("http://127.0.0.1:8080/in", "development")).toBeNull();
    expect(webhookUrlProblem("http://localhost:8080/in", "test")).toBeNull();
    expect(webhookUrlProblem("http://hooks.example.com/in", "development")).toMatch(/localhost/);
    expect(webhookUrlProblem("https://user:pw@hooks.example.com/in", "production")).toMatch(/user name or password/);
    expect(webhookUrlProblem("ftp://hooks.example.com/in", "development")).toMatch(/https/);
    expect(webhookUrlProblem("not a url", "development")).toMatch(/absolute URL/);
    expect(webhookUrlProblem("https://hooks.example.com/in#x", "production")).toMatch(/fragment/);
  });
});

describe("webhook event ids", () => {
  it("derives the same id from the same memory state and another from the next state", async () => {
    const first = await memoryChanged(memory());
    expect(first.type).toBe("memory.created");
    expect((await memoryChanged(memory())).id).toBe(first.id);
    const updated = await memoryChanged(memory({ version: 2, updated_at: 2_000 }));
    expect(updated.type).toBe("memory.updated");
    expect(updated.id).not.toBe(first.id);
    expect((await memoryChanged(memory({ tenant_id: "tnt_b" }))).id).not.toBe(first.id);
    const deleted = await memoryDeleted({ tenant_id: "tnt_a", cube_id: "user:ann" }, "mem_1", 5_000);
    expect(deleted).toMatchObject({ type: "memory.deleted", data: { memory: { id: "mem_1", cube_id: "user:ann" } } });
    expect((await memoryDeleted({ tenant_id: "tnt_a", cube_id: "user:ann" }, "mem_1", 9_000)).id).toBe(deleted.id);
  });
});

describe("/v1/webhooks routes", () => {
  it("creates a subscription with a whsec_ secret shown once, lists, reads, changes and deletes it", async () => {
    const t = await newTenant(ADMIN_SCOPES);
    const created = await subscribe(t, { events: ["memory.created", "memory.deleted", "memory.created"], description: "audit sink" });
    expect(created).toMatchObject({ url: DEAD_URL, events: ["memory.created", "memory.deleted"], enabled: true, description: "audit sink" });
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.id).toMatch(/^whk_/);
    const listed = await api<{ webhooks: Sub[] }>(t, "GET", "/v1/webhooks");
    expect(listed.body.webhooks.map((w) => w.id)).toEqual([created.id]);
    expect(JSON.stringify(listed.body)).not.toContain(created.secret as string);
    const got = await api<Sub>(t, "GET", `/v1/webhooks/${created.id}`);
    expect(got.body).not.toHaveProperty("secret");
    const patched = await api<Sub>(t, "PATCH", `/v1/webhooks/${created.id}`, { events: ["*"], enabled: false, url: "https://hooks.example.com/x" });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ events: ["*"], enabled: false, url: "https://hooks.example.com/x" });
    const rotated = await api<Sub>(t, "POST", `/v1/webhooks/${created.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.secret);
    const stored = await env.DB.prepare("SELECT secret FROM webhook_subscriptions WHERE id = ?").bind(created.id).first<{ secret: string }>();
    expect(stored?.secret).toBe(rotated.body.secret);
    const removed = await api(t, "DELETE", `/v1/webhooks/${created.id}`);
    expect(removed).toMatchObject({ status: 200, body: { id: created.id, deleted: true } });
    expect((await api(t, "GET", `/v1/webhooks/${created.id}`)).status).toBe(404);
    expect((await api(t, "DELETE", `/v1/webhooks/${created.id}`)).status).toBe(404);
  });

  it("defaults to every event type when none are named", async () => {
    const t = await newTenant(ADMIN_SCOPES);
    expect((await subscribe(t)).events).toEqual(["*"]);
  });

  it("refuses bad input with 400 invalid_request and creates nothing", async () => {
    const t = await newTenant(ADMIN_SCOPES);
    const bad: unknown[] = [
      { url: DEAD_URL, events: ["memory.exploded"] },
      { url: DEAD_URL, events: [] },
      { url: DEAD_URL, events: ["webhook.test"] },
      { url: "http://hooks.example.com/in" },
      { url: "https://user:secret@hooks.example.com/in" },
      { url: "javascript:alert(1)" },
      { url: `https://hooks.example.com/${"a".repeat(2_100)}` },
      { url: DEAD_URL, secret: "whsec_mine" },
      { events: ["*"] },
    ];
    for (const body of bad) {
      const r = await api<{ error: { code: string; message: string } }>(t, "POST", "/v1/webhooks", body);
      expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    expect((await api<{ webhooks: Sub[] }>(t, "GET", "/v1/webhooks")).body.webhooks).toEqual([]);
    const sub = await subscribe(t);
    for (const body of [{}, { url: "http://hooks.example.com/in" }, { enabled: "yes" }, { events: ["nope"] }]) {
      expect((await api(t, "PATCH", `/v1/webhooks/${sub.id}`, body)).status).toBe(400);
    }
    expect((await api<Sub>(t, "GET", `/v1/webhooks/${sub.id}`)).body).toMatchObject({ url: DEAD_URL, events: ["*"], enabled: true });
    expect((await deliveriesOf(t, sub.id, "?cursor=garbage")).status).toBe(400);
    expect((await deliveriesOf(t, sub.id, "?limit=0")).status).toBe(400);
    expect((await deliveriesOf(t, sub.id, "?state=lost")).status).toBe(400);
  });

  it("needs the admin scope", async () => {
    const t = await newTenant(["memories:read", "memories:write"]);
    const r = await api<{ error: { code: string } }>(t, "POST", "/v1/webhooks", { url: DEAD_URL });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("forbidden");
    expect((await api(t, "GET", "/v1/webhooks")).status).toBe(403);
  });

  it("answers 404 for another tenant's subscription on every route and changes nothing", async () => {
    const a = await newTenant(ADMIN_SCOPES);
    const b = await newTenant(ADMIN_SCOPES);
    const sub = await subscribe(a, { events: ["memory.created"] });
    const calls: Array<[string, string, unknown?]> = [
      ["GET", `/v1/webhooks/${sub.id}`],
      ["PATCH", `/v1/webhooks/${sub.id}`, { enabled: false }],
      ["POST", `/v1/webhooks/${sub.id}/rotate-secret`],
      ["POST", `/v1/webhooks/${sub.id}/test`],
      ["GET", `/v1/webhooks/${sub.id}/deliveries`],
      ["DELETE", `/v1/webhooks/${sub.id}`],
    ];
    for (const [method, path, body] of calls) {
      const r = await api<{ error: { code: string } }>(b, method, path, body);
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body.error.code).toBe("not_found");
    }
    expect((await api<{ webhooks: Sub[] }>(b, "GET", "/v1/webhooks")).body.webhooks).toEqual([]);
    expect((await api<Sub>(a, "GET", `/v1/webhooks/${sub.id}`)).body).toMatchObject({ enabled: true, events: ["memory.created"] });
    const stored = await env.DB.prepare("SELECT secret FROM webhook_subscriptions WHERE id = ?").bind(sub.id).first<{ secret: string }>();
    expect(stored?.secret).toBe(sub.secret);
    expect((await deliveriesOf(a, sub.id)).body.deliveries).toEqual([]);
  });

  it("queues a webhook.test delivery, refuses one for a disabled subscription, and pages the log", async () => {
    const t = await newTenant(ADMIN_SCOPES);
    const sub = await subscribe(t);
    const pings: Delivery[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await api<Delivery>(t, "POST", `/v1/webhooks/${sub.id}/test`);
      expect(r.status).toBe(202);
      expect(r.body).toMatchObject({ event_type: "webhook.test", state: "pending", attempts: 0 });
      pings.push(r.body);
    }
    expect(new Set(pings.map((p) => p.event_id)).size).toBe(3);
    const first = await deliveriesOf(t, sub.id, "?limit=2");
    expect(first.body.deliveries).toHaveLength(2);
    expect(first.body.next_cursor).not.toBeNull();
    const second = await deliveriesOf(t, sub.id, `?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.deliveries).toHaveLength(1);
    expect(second.body.next_cursor).toBeNull();
    expect([...first.body.deliveries, ...second.body.deliveries].map((d) => d.id).sort()).toEqual(pings.map((p) => p.id).sort());
    await api(t, "PATCH", `/v1/webhooks/${sub.id}`, { enabled: false });
    const refused = await api<{ error: { code: string } }>(t, "POST", `/v1/webhooks/${sub.id}/test`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("conflict");
  });

  it("deletes a subscription's delivery log with it", async () => {
    const t = await newTenant(ADMIN_SCOPES);
    const sub = await subscribe(t);
    await api(t, "POST", `/v1/webhooks/${sub.id}/test`);
    expect(await storedDeliveries(t.id)).toHaveLength(1);
    await api(t, "DELETE", `/v1/webhooks/${sub.id}`);
    expect(await storedDeliveries(t.id)).toHaveLength(0);
  });

  it("holds at most 25 subscriptions per tenant", async () => {
    const t = await newTenant(ADMIN_SCOPES);
    for (let i = 0; i < 25; i++) await subscribe(t);
    const r = await api<{ error: { code: string } }>(t, "POST", "/v1/webhooks", { url: DEAD_URL });
    expect(r.status).toBe(409);
    expect((await api<{ webhooks: Sub[] }>(t, "GET", "/v1/webhooks")).body.webhooks).toHaveLength(25);
  });
});

describe("webhook events into the delivery log", () => {
  it("fans an event out once per matching enabled subscription of its tenant only, however often it arrives", async () => {
    const a = await newTenant(ADMIN_SCOPES);
    const b = await newTenant(ADMIN_SCOPES);
    const all = await subscribe(a);
    const deletes = await subscribe(a, { events: ["memory.deleted"] });
    const off = await subscribe(a, { enabled: false });
    await subscribe(b);
    // A memory the catalog holds (a deleted one's event would be logged without content).
    const user = uniq("u");
    const added = await api<{ memories: Array<{ id: string }> }>(a, "POST", "/v1/memories", { user_id: user, text: "Ann lives in Oslo", infer: false });
    await runDurableObjectAlarm(probeStub(`${a.id}/user:${user}`));
    const event = await memoryChanged(memory({ tenant_id: a.id, id: (added.body.memories[0] as { id: string }).id }));
    const deps = { DB: env.DB, EVENTS: env.EVENTS, ENVIRONMENT: "test" };
    expect(await fanOut(deps, a.id, event)).toBe(1);
    await fanOut(deps, a.id, event);
    const rows = (await storedDeliveries(a.id)).filter((r) => r.event_id === event.id);
    expect(rows.map((r) => r.subscription_id)).toEqual([all.id]);
    expect(rows.map((r) => r.subscription_id)).not.toContain(deletes.id);
    expect(rows.map((r) => r.subscription_id)).not.toContain(off.id);
    expect(JSON.parse((rows[0] as { payload: string }).payload)).toEqual({ type: "memory.created", timestamp: event.timestamp, data: event.data });
    expect((await storedDeliveries(b.id)).filter((r) => r.event_id === event.id)).toEqual([]);
  });

  it("lets finished deliveries older than 30 days leave the log as new events arrive, keeping unfinished ones", async () => {
    const t = await newTenant(ADMIN_SCOPES);
    const sub = await subscribe(t);
    const old = Date.now() - 31 * 24 * 60 * 60 * 1000;
    const insert = env.DB.prepare(
      `INSERT INTO webhook_deliveries (id, tenant_id, subscription_id, event_id, event_type, payload, state, attempts, log, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'memory.created', '{}', ?, 1, '[]', ?, ?)`,
    );
    await env.DB.batch([
      insert.bind("dlv_old_done", t.id, sub.id, "evt_old_done", "succeeded", old, old),
      insert.bind("dlv_old_dead", t.id, sub.id, "evt_old_dead", "dead", old, old),
      insert.bind("dlv_old_retrying", t.id, sub.id, "evt_old_retrying", "failed", old, old),
      insert.bind("dlv_recent_done", t.id, sub.id, "evt_recent_done", "succeeded", Date.now(), Date.now()),
    ]);
    await fanOut({ DB: env.DB, EVENTS: env.EVENTS, ENVIRONMENT: "test" }, t.id, await memoryChanged(memory({ tenant_id: t.id, id: uniq("mem") })));
    const ids = (await env.DB.prepare("SELECT id FROM webhook_deliveries WHERE tenant_id = ?").bind(t.id).all<{ id: string }>()).results.map((r) => r.id);
    expect(ids).not.toContain("dlv_old_done");
    expect(ids).not.toContain("dlv_old_dead");
    expect(ids).toContain("dlv_old_retrying");
    expect(ids).toContain("dlv_recent_done");
    expect(ids).toHaveLength(3);
  });

  it("records memory.created, memory.updated and memory.deleted from the cube's outbox", async () => {
    const t = await newTenant(ADMIN_SCOPES);
    const sub = await subscribe(t, { events: ["memory.created", "memory.updated", "memory.deleted"] });
    const user = uniq("u");
    const stub = probeStub(`${t.id}/user:${user}`);
    const added = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "Ann lives in Oslo", infer: false });
    const id = (added.body.memories[0] as { id: string }).id;
    await runDurableObjectAlarm(stub);
    await waitForDeliveries(t.id, (rows) => rows.some((r) => r.event_type === "memory.created"));
    expect((await api(t, "PATCH", `/v1/memories/${id}`, { text: "Ann lives in Bergen" })).status).toBe(200);
    await runDurableObjectAlarm(stub);
    await waitForDeliveries(t.id, (rows) => rows.some((r) => r.event_type === "memory.updated"));
    expect((await api(t, "DELETE", `/v1/memories/${id}`)).status).toBe(200);
    await runDurableObjectAlarm(stub);
    const rows = await waitForDeliveries(t.id, (r) => r.some((x) => x.event_type === "memory.deleted"));
    expect(rows.map((r) => r.event_type)).toEqual(["memory.created", "memory.updated", "memory.deleted"]);
    expect(rows.every((r) => r.subscription_id === sub.id)).toBe(true);
    const bodies = rows.map((r) => JSON.parse(r.payload) as { data: { memory: { id: string; text?: string } } });
    expect(bodies.map((b) => b.data.memory.id)).toEqual([id, id, id]);
    // Deleted means gone from the delivery log too: the earlier events keep the id, not the text.
    expect(rows.map((r) => r.payload).join(" ")).not.toMatch(/Oslo|Bergen/);
    expect(bodies[1]?.data.memory).toEqual({ id, deleted: true });
  });

  it("logs a memory event without its content when the memory was deleted before the event was fanned out", async () => {
    const t = await newTenant(ADMIN_SCOPES);
    await subscribe(t, { events: ["memory.updated"] });
    const gone = memory({ tenant_id: t.id, id: "mem_gone", text: "Ann's secret diary", version: 2, updated_at: 5 });
    await fanOut({ DB: env.DB, EVENTS: env.EVENTS, ENVIRONMENT: "test" }, t.id, await memoryChanged(gone));
    const rows = await waitForDeliveries(t.id, (r) => r.length === 1);
    expect(rows[0]?.payload).not.toContain("diary");
    expect((JSON.parse(rows[0]?.payload ?? "{}") as { data: { memory: unknown } }).data.memory).toEqual({ id: "mem_gone", deleted: true });
  });

  it("records job.completed when an extraction job succeeds", async () => {
    const t = await newTenant(ADMIN_SCOPES);
    await subscribe(t, { events: ["job.completed", "job.failed"] });
    const r = await api<{ job: { id: string } }>(t, "POST", "/v1/memories", { user_id: uniq("u"), messages: [{ role: "user", content: "I adopted a cat named Miso." }] });
    expect(r.status).toBe(202);
    const rows = await waitForDeliveries(t.id, (x) => x.some((d) => d.event_type === "job.completed"));
    const body = JSON.parse((rows[0] as { payload: string }).payload) as { data: { job: { id: string; state: string } } };
    expect(body.data.job).toMatchObject({ id: r.body.job.id, state: "succeeded" });
    expect(rows.map((d) => d.event_type)).toEqual(["job.completed"]);
  });

  it("records job.failed when the jobs dead-letter queue gives a job up", async () => {
    const t = await newTenant(ADMIN_SCOPES);
    await subscribe(t, { events: ["job.failed"] });
    const { jobId, message } = await storedJob(t, uniq("u"));
    const dlq = createMessageBatch<JobMessage>("memos-jobs-dlq", [{ id: "d1", timestamp: new Date(), attempts: 4, body: message }]);
    const ctx = createExecutionContext();
    await worker.queue(dlq, env);
    expect((await getQueueResult(dlq, ctx)).explicitAcks).toEqual(["d1"]);
    const rows = await waitForDeliveries(t.id, (x) => x.some((d) => d.event_type === "job.failed"));
    const body = JSON.parse((rows[0] as { payload: string }).payload) as { data: { job: { id: string; state: string; error: string } } };
    expect(body.data.job).toMatchObject({ id: jobId, state: "failed" });
    expect(body.data.job.error).toMatch(/dead-lettered/);
  });
});

describe("webhook delivery consumer", () => {
  it("asks the queue to retry a failed attempt and logs the attempt", async () => {
    const t = await newTenant(ADMIN_SCOPES);
    const sub = await subscribe(t);
    // The test plays the queue's second delivery of the ping (its delay is checked against the schedule above:
    // the test harness's queue result does not report it). The local queue may attempt it too.
    const ping = await api<Delivery>(t, "POST", `/v1/webhooks/${sub.id}/test`);
    const message: WebhookQueueMessage = { kind: "delivery", tenant_id: t.id, delivery_id: ping.body.id };
    const batch = createMessageBatch<WebhookQueueMessage>("memos-events", [{ id: "w1", timestamp: new Date(), attempts: 2, body: message }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages).toEqual([{ msgId: "w1" }]);
    expect(result.explicitAcks).toEqual([]);
    const log = await deliveriesOf(t, sub.id);
    const d = log.body.deliveries.find((x) => x.id === ping.body.id) as Delivery & { last_error: string; log: Array<{ status: number | null; error: string }> };
    expect(d.state).toBe("failed");
    expect(d.log.length).toBeGreaterThanOrEqual(1);
    expect(d.last_error).toBeTruthy();
  });

  it("marks a delivery dead from the dead-letter queue, never a delivery that succeeded, and never another tenant's", async () => {
    const t = await newTenant(ADMIN_SCOPES);
    const other = await newTenant(ADMIN_SCOPES);
    const sub = await subscribe(t);
    const ping = await api<Delivery>(t, "POST", `/v1/webhooks/${sub.id}/test`);
    const done = await api<Delivery>(t, "POST", `/v1/webhooks/${sub.id}/test`);
    await env.DB.prepare("UPDATE webhook_deliveries SET state = 'succeeded' WHERE id = ?").bind(done.body.id).run();
    const msgs = [
      { id: "x1", timestamp: new Date(), attempts: 1, body: { kind: "delivery", tenant_id: other.id, delivery_id: ping.body.id } satisfies WebhookQueueMessage },
      { id: "x2", timestamp: new Date(), attempts: 1, body: { kind: "delivery", tenant_id: t.id, delivery_id: done.body.id } satisfies WebhookQueueMessage },
    ];
    const first = createMessageBatch<WebhookQueueMessage>("memos-events-dlq", msgs);
    const ctx = createExecutionContext();
    await worker.queue(first, env);
    expect((await getQueueResult(first, ctx)).explicitAcks.sort()).toEqual(["x1", "x2"]);
    const state = async (id: string) => (await env.DB.prepare("SELECT state FROM webhook_deliveries WHERE id = ?").bind(id).first<{ state: string }>())?.state;
    expect(await state(ping.body.id)).not.toBe("dead");
    expect(await state(done.body.id)).toBe("succeeded");
    const own = createMessageBatch<WebhookQueueMessage>("memos-events-dlq", [{ id: "x3", timestamp: new Date(), attempts: 1, body: { kind: "delivery", tenant_id: t.id, delivery_id: ping.body.id } }]);
    const octx = createExecutionContext();
    await worker.queue(own, env);
    await getQueueResult(own, octx);
    expect(await state(ping.body.id)).toBe("dead");
  });

  it("drops a message it cannot read instead of retrying it", async () => {
    const batch = createMessageBatch<unknown>("memos-events", [{ id: "m1", timestamp: new Date(), attempts: 1, body: { kind: "delivery" } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(result.retryMessages).toEqual([]);
  });
});
