// Webhooks on a real `wrangler dev` with its local queues: signed deliveries to a loopback receiver that fails then succeeds, dead letters, tenant isolation.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
// @ts-expect-error: plain ESM helper shared with `npm run dev`, no type declarations
import { ensureDevVars } from "../../scripts/dev-lib.mjs";
import { call, useWrangler, type Dev } from "./helpers";

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}
interface Delivery {
  event_id: string;
  event_type: string;
  state: string;
  attempts: number;
  last_status: number | null;
  log: Array<{ status: number | null; error: string | null }>;
}
interface Body {
  type: string;
  timestamp: string;
  data: { memory: { id: string; text?: string } };
}

/**
 * A loopback receiver: `/flaky` answers 500 to the first attempt of each webhook-id and 200 after,
 * `/down` always 500, `/redirect` 302 to `/after-redirect`, anything else 200. It keeps every request it got.
 */
function receiver() {
  const got: Received[] = [];
  const seen = new Set<string>();
  const server: Server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const path = req.url ?? "/";
      const id = String(req.headers["webhook-id"]);
      let status = 200;
      if (path === "/down") status = 500;
      if (path === "/redirect") status = 302;
      if (path === "/flaky" && !seen.has(id)) {
        seen.add(id);
        status = 500;
      }
      got.push({ path, headers: req.headers, body, answered: status });
      res.writeHead(status, { "content-type": "text/plain", ...(status === 302 ? { location: "/after-redirect" } : {}) }).end(status === 200 ? "ok" : "not now");
    });
  });
  return { got, server };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("webhooks on wrangler dev", () => {
  // Retries at once instead of after 5 s, 30 s, ...: the schedule is tested in workerd.
  const server = useWrangler({ WEBHOOK_BACKOFF_SCALE: "0" });
  const rx = receiver();
  let base = "";
  beforeAll(async () => {
    await new Promise<void>((r) => rx.server.listen(0, "127.0.0.1", () => r()));
    base = `http://127.0.0.1:${(rx.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => rx.server.close(() => r()));
  });

  /** A second tenant with an admin key, through the admin API. */
  async function otherTenant(dev: Dev): Promise<Record<string, string>> {
    const { ADMIN_TOKEN } = ensureDevVars() as { ADMIN_TOKEN: string };
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const tenant = await call<{ id: string }>(dev, "POST", "/v1/admin/tenants", { name: `hooks-${Date.now()}` }, admin);
    expect(tenant.status).toBe(201);
    const key = await call<{ key: string }>(dev, "POST", `/v1/admin/tenants/${tenant.body.id}/keys`, { name: "hooks", scopes: ["memories:read", "memories:write", "admin"] }, admin);
    expect(key.status).toBe(201);
    return { authorization: `Bearer ${key.body.key}` };
  }

  it("delivers memory.created, memory.updated and memory.deleted signed, retries the failed attempt, logs both, and keeps other tenants out", async () => {
    const dev = server();
    const b = await otherTenant(dev);
    const subB = await call<{ id: string; secret: string }>(dev, "POST", "/v1/webhooks", { url: `${base}/tenant-b` }, b);
    expect(subB.status).toBe(201);
    const sub = await call<{ id: string; secret: string }>(dev, "POST", "/v1/webhooks", { url: `${base}/flaky`, events: ["memory.created", "memory.updated", "memory.deleted"] });
    expect(sub.status).toBe(201);
    const secret = sub.body.secret;

    const user = `hooks-${Date.now()}`;
    const added = await call<{ memories: Array<{ id: string }> }>(dev, "POST", "/v1/memories", { user_id: user, text: "Ann lives in Oslo", infer: false });
    expect(added.status).toBe(201);
    const id = (added.body.memories[0] as { id: string }).id;
    const ok = (type: string) => rx.got.find((r) => r.path === "/flaky" && r.answered === 200 && (JSON.parse(r.body) as Body).type === type);
    await until("memory.created", () => ok("memory.created"));
    expect((await call(dev, "PATCH", `/v1/memories/${id}`, { text: "Ann lives in Bergen" })).status).toBe(200);
    await until("memory.updated", () => ok("memory.updated"));
    expect((await call(dev, "DELETE", `/v1/memories/${id}`)).status).toBe(200);
    await until("memory.deleted", () => ok("memory.deleted"));

    const flaky = rx.got.filter((r) => r.path === "/flaky");
    const verifier = new Webhook(secret);
    for (const r of flaky) {
      const headers = { "webhook-id": String(r.headers["webhook-id"]), "webhook-timestamp": String(r.headers["webhook-timestamp"]), "webhook-signature": String(r.headers["webhook-signature"]) };
      expect(() => verifier.verify(r.body, headers)).not.toThrow();
      expect(() => new Webhook(subB.body.secret).verify(r.body, headers)).toThrow();
      expect(r.headers["content-type"]).toBe("application/json");
    }
    const bodies = flaky.filter((r) => r.answered === 200).map((r) => JSON.parse(r.body) as Body);
    expect(bodies.map((x) => x.type)).toEqual(["memory.created", "memory.updated", "memory.deleted"]);
    expect(bodies.map((x) => x.data.memory.id)).toEqual([id, id, id]);
    expect(bodies[1]?.data.memory.text).toBe("Ann lives in Bergen");
    // Each event: a 500, then the same webhook-id and body again, answered 200.
    for (const eventId of new Set(flaky.map((r) => String(r.headers["webhook-id"])))) {
      const attempts = flaky.filter((r) => r.headers["webhook-id"] === eventId);
      expect(attempts.map((r) => r.answered)).toEqual([500, 200]);
      expect(attempts[1]?.body).toBe(attempts[0]?.body);
    }

    const log = await call<{ deliveries: Delivery[] }>(dev, "GET", `/v1/webhooks/${sub.body.id}/deliveries`);
    expect(log.status).toBe(200);
    expect(log.body.deliveries.map((d) => d.event_type).sort()).toEqual(["memory.created", "memory.deleted", "memory.updated"]);
    for (const d of log.body.deliveries) {
      expect(d).toMatchObject({ state: "succeeded", attempts: 2, last_status: 200 });
      expect(d.log.map((a) => a.status)).toEqual([500, 200]);
      expect(d.log[0]?.error).toMatch(/500/);
    }

    // Tenant B's subscription saw nothing of tenant A, and cannot read A's log.
    expect(rx.got.filter((r) => r.path === "/tenant-b")).toEqual([]);
    expect((await call(dev, "GET", `/v1/webhooks/${sub.body.id}/deliveries`, undefined, b)).status).toBe(404);
    // B's own event reaches B's receiver only.
    const own = await call<{ memories: Array<{ id: string }> }>(dev, "POST", "/v1/memories", { user_id: "bea", text: "Bea plays the cello", infer: false }, b);
    const ownId = (own.body.memories[0] as { id: string }).id;
    const atB = await until("tenant B's event", () => rx.got.find((r) => r.path === "/tenant-b"));
    expect((JSON.parse(atB.body) as Body).data.memory.id).toBe(ownId);
    expect(rx.got.filter((r) => r.path === "/flaky" && r.body.includes(ownId))).toEqual([]);
  });

  it("gives a delivery that always fails up as dead after the queue's retries, every attempt logged", async () => {
    const dev = server();
    const sub = await call<{ id: string }>(dev, "POST", "/v1/webhooks", { url: `${base}/down`, events: ["memory.created"] });
    expect(sub.status).toBe(201);
    await call(dev, "POST", "/v1/memories", { user_id: `down-${Date.now()}`, text: "Cleo keeps bees", infer: false });
    const dead = await until("a dead delivery", async () => {
      const r = await call<{ deliveries: Delivery[] }>(dev, "GET", `/v1/webhooks/${sub.body.id}/deliveries?state=dead`);
      return r.body.deliveries[0];
    });
    // max_retries = 8 in wrangler.toml: the first attempt and eight retries.
    expect(dead).toMatchObject({ event_type: "memory.created", state: "dead", attempts: 9, last_status: 500 });
    expect(dead.log.map((a) => a.status)).toEqual(Array(9).fill(500));
    expect(rx.got.filter((r) => r.path === "/down" && r.headers["webhook-id"] === dead.event_id)).toHaveLength(9);
  });

  it("sends a signed webhook.test ping on request, and never follows a redirect", async () => {
    const dev = server();
    const ping = await call<{ id: string; secret: string }>(dev, "POST", "/v1/webhooks", { url: `${base}/ping`, events: ["job.failed"] });
    const sent = await call<{ event_id: string }>(dev, "POST", `/v1/webhooks/${ping.body.id}/test`);
    expect(sent.status).toBe(202);
    const got = await until("the ping", () => rx.got.find((r) => r.path === "/ping"));
    expect(got.headers["webhook-id"]).toBe(sent.body.event_id);
    const headers = { "webhook-id": String(got.headers["webhook-id"]), "webhook-timestamp": String(got.headers["webhook-timestamp"]), "webhook-signature": String(got.headers["webhook-signature"]) };
    expect(new Webhook(ping.body.secret).verify(got.body, headers)).toMatchObject({ type: "webhook.test", data: { subscription_id: ping.body.id } });

    const moved = await call<{ id: string }>(dev, "POST", "/v1/webhooks", { url: `${base}/redirect`, events: ["job.failed"] });
    await call(dev, "POST", `/v1/webhooks/${moved.body.id}/test`);
    const dead = await until("the redirected delivery given up", async () => {
      const r = await call<{ deliveries: Delivery[] }>(dev, "GET", `/v1/webhooks/${moved.body.id}/deliveries?state=dead`);
      return r.body.deliveries[0];
    });
    expect(dead.log.every((a) => a.status === 302 && /redirect/.test(a.error ?? ""))).toBe(true);
    expect(rx.got.filter((r) => r.path === "/after-redirect")).toEqual([]);
  });
});
