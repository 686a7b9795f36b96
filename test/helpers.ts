// Test helpers: tenants and keys through the real admin API, and JSON requests through SELF.
import { SELF, env } from "cloudflare:test";
import { cubeStub } from "../src/services/cubes";
import { d1JobRegistry } from "../src/services/jobs";
import type { JobMessage } from "../src/jobs/messages";

export const BASE = "http://memos.test";
export const ADMIN = `Bearer ${env.ADMIN_TOKEN}`;

export interface Tenant {
  id: string;
  key: string;
  auth: Record<string, string>;
}

let counter = 0;

/** A fresh tenant with a key holding the given scopes. */
export async function newTenant(scopes: string[] = ["memories:read", "memories:write"]): Promise<Tenant> {
  const t = await SELF.fetch(`${BASE}/v1/admin/tenants`, {
    method: "POST",
    headers: { authorization: ADMIN, "content-type": "application/json" },
    body: JSON.stringify({ name: `t${++counter}` }),
  });
  if (t.status !== 201) throw new Error(`tenant: ${t.status} ${await t.text()}`);
  const { id } = (await t.json()) as { id: string };
  const k = await SELF.fetch(`${BASE}/v1/admin/tenants/${id}/keys`, {
    method: "POST",
    headers: { authorization: ADMIN, "content-type": "application/json" },
    body: JSON.stringify({ name: "test", scopes }),
  });
  if (k.status !== 201) throw new Error(`key: ${k.status} ${await k.text()}`);
  const { key } = (await k.json()) as { key: string };
  return { id, key, auth: { authorization: `Bearer ${key}` } };
}

export async function api<T = Record<string, unknown>>(
  tenant: Tenant | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await SELF.fetch(`${BASE}${path}`, {
    method,
    headers: {
      ...(tenant ? tenant.auth : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T, headers: res.headers };
}

export const uniq = (p: string) => `${p}-${crypto.randomUUID().slice(0, 8)}`;

/** A job as `GET /v1/jobs/:id` answers it. */
export interface Job {
  id: string;
  state: string;
  attempts: number;
  error: string | null;
  result: { memory_ids: string[]; detail?: Record<string, unknown> } | null;
}

/** Polls a job until `until` holds (10 s at most). */
export async function waitForJob(t: Tenant, id: string, until: (j: Job) => boolean): Promise<Job> {
  for (let i = 0; i < 100; i++) {
    const r = await api<Job>(t, "GET", `/v1/jobs/${id}`);
    if (until(r.body)) return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`job ${id} never reached the expected state`);
}

/**
 * A job stored in a user's cube with one message and registered in D1, but not enqueued: the test
 * drives the consumer (or plays one). The user's cube exists (one memory is added first).
 */
export async function storedJob(t: Tenant, user: string, content = "I adopted a cat named Miso.") {
  const identity = { tenant_id: t.id, cube_id: `user:${user}` };
  await api(t, "POST", "/v1/memories", { user_id: user, text: "cube exists", infer: false });
  const jobId = `job_${crypto.randomUUID().replace(/-/g, "")}`;
  await d1JobRegistry(env.DB, env.JOBS).register(identity, jobId);
  const res = await cubeStub(env, identity).addMessages({
    identity,
    job_id: jobId,
    mode: "fast",
    options: { user_id: user, agent_id: null, session_id: null, tags: [], metadata: {} },
    messages: [{ role: "user", name: "Ann", content, timestamp: Date.now(), user_id: user, agent_id: null, session_id: null }],
  });
  if (!res.ok) throw new Error(`storedJob: ${res.error.message}`);
  return { identity, jobId, message: { kind: "extract", job_id: jobId, identity } satisfies JobMessage };
}

/** A caller that reaches its whole tenant, for tests that call a flow directly. */
export const principal = (tenantId: string) => ({ tenant_id: tenantId, key_id: "key_test", limits: null });
