// The OpenAPI document is generated from the route definitions: every mounted route is in it, with
// the scope its middleware enforces, and nothing is in it that is not mounted.
import { describe, expect, it } from "vitest";
import { SELF } from "cloudflare:test";
import { app } from "../src/app";
import { BASE } from "./helpers";
import { SCOPES } from "../src/api/app-env";
import { VALID_KEY } from "../src/api/route";

type Doc = { paths: Record<string, Record<string, { security?: Array<Record<string, unknown>>; "x-required-scope"?: string }>> };

/** Hono's `/v1/memories/:id` as OpenAPI's `/v1/memories/{id}`. */
const openApiPath = (p: string) => p.replace(/:(\w+)/g, "{$1}").replace(/\/$/, "") || "/";

describe("the OpenAPI document", () => {
  it("lists every mounted /v1 route with its scope, and no route that is not mounted", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/v1/openapi.json`)).json()) as Doc;
    const mounted = new Set(
      app.routes
        .filter((r) => r.method !== "ALL" && r.path.startsWith("/v1/") && r.path !== "/v1/openapi.json")
        .map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`),
    );
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));
    expect([...mounted].filter((r) => !documented.has(r)), "mounted but not documented").toEqual([]);
    expect([...documented].filter((r) => !mounted.has(r)), "documented but not mounted").toEqual([]);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const admin = path.startsWith("/v1/admin/");
        expect(op.security, `${method} ${path}`).toEqual([admin ? { adminToken: [] } : { apiKey: [] }]);
        if (!admin) expect([...SCOPES, VALID_KEY] as readonly string[], `${method} ${path}`).toContain(op["x-required-scope"]);
      }
    }
  });

  it("enforces the documented scope: a key without it gets 403 on every such route", async () => {
    const doc = (await (await SELF.fetch(`${BASE}/v1/openapi.json`)).json()) as Doc;
    const { newTenant } = await import("./helpers");
    const reader = await newTenant(["memories:read"]);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const scope = op["x-required-scope"];
        if (!scope || scope === "memories:read" || scope === VALID_KEY) continue;
        const url = path.replace(/\{(\w+)\}/g, "x");
        const res = await SELF.fetch(`${BASE}${url}`, { method: method.toUpperCase(), headers: { ...reader.auth, "content-type": "application/json" }, body: method === "get" ? undefined : "{}" });
        expect(res.status, `${method} ${path}`).toBe(403);
      }
    }
  });
});
