// The GPU routes without a working bridge: a bounded 503, a circuit that opens, explicit memory unaffected.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { BASE, newTenant, uniq } from "./helpers";
import type { Tenant } from "./helpers";

interface Err {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

async function call(t: Tenant, over: Record<string, string>, method: string, path: string, body?: unknown) {
  const t0 = Date.now();
  const res = await app.request(
    `${BASE}${path}`,
    { method, headers: { ...t.auth, ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) },
    { ...env, ...over },
  );
  return { status: res.status, body: (await res.json()) as Err & Record<string, unknown>, ms: Date.now() - t0 };
}

async function tenantWithCube(): Promise<{ t: Tenant; cube: string }> {
  const t = await newTenant();
  const cube = uniq("gpu");
  expect((await call(t, {}, "POST", "/v1/cubes", { id: cube, name: "c" })).status).toBe(201);
  return { t, cube };
}

describe("GPU routes when the bridge is unavailable", () => {
  it("answer 503 at once when no bridge is configured, and memories keep working", async () => {
    const { t, cube } = await tenantWithCube();
    const off = { BRIDGE_URL: "" };
    const r = await call(t, off, "GET", `/v1/cubes/${cube}/activation`);
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("upstream_unavailable");
    expect(r.body.error.message).toMatch(/BRIDGE_URL/);
    expect((await call(t, off, "POST", `/v1/cubes/${cube}/adapters/a/load`)).status).toBe(503);
    const add = await call(t, off, "POST", "/v1/memories", { cube_id: cube, text: "Alice prefers green tea", infer: false });
    expect(add.status).toBeLessThan(300);
  });

  it("answer 503 within the configured timeout when the bridge hangs, then fail fast once the circuit opens", async () => {
    const { t, cube } = await tenantWithCube();
    // A distinct URL and timeout give this test its own client and breaker (5 failures open it).
    const hung = { BRIDGE_URL: env.TEST_SILENT_URL, BRIDGE_TIMEOUT_MS: "250" };
    const first = await call(t, hung, "GET", `/v1/cubes/${cube}/activation`);
    expect(first.status).toBe(503);
    expect(first.body.error.code).toBe("upstream_unavailable");
    expect(first.body.error.message).toMatch(/within 250 ms/);
    expect(first.ms).toBeGreaterThanOrEqual(200);
    expect(first.ms).toBeLessThan(2_000);
    for (let i = 0; i < 4; i++) expect((await call(t, hung, "GET", `/v1/cubes/${cube}/adapters`)).status).toBe(503);
    const open = await call(t, hung, "GET", `/v1/cubes/${cube}/activation`);
    expect(open.status).toBe(503);
    expect(open.body.error.message).toMatch(/circuit open/);
    expect(open.ms).toBeLessThan(150);
    // Explicit memory is untouched by the open circuit.
    const add = await call(t, hung, "POST", "/v1/memories", { cube_id: cube, text: "Bob likes coffee", infer: false });
    expect(add.status).toBeLessThan(300);
    const list = await call(t, hung, "GET", `/v1/memories?cube_id=${encodeURIComponent(cube)}`);
    expect(list.status).toBe(200);
  });

  it("answer 503 when the bridge itself answers with a server error", async () => {
    // (A refused connection is covered by the client tests in gpu-bridge/test/client.test.ts:
    // in workerd it also prints "Network connection lost" noise into the suite's output.)
    const { t, cube } = await tenantWithCube();
    const failing = { BRIDGE_URL: env.TEST_SILENT_URL, BRIDGE_TIMEOUT_MS: "2500" };
    const r = await call(t, failing, "POST", `/v1/cubes/${cube}/activation`, { text: "hot block" });
    expect(r.status).toBe(503);
    expect(r.body.error).toMatchObject({ code: "upstream_unavailable", details: { status: 503 } });
  });
});
