// Development bootstrap: the dev tenant and its key exist after the first request, created once.
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { app } from "../src/app";
import { BASE } from "./helpers";

const DEV_KEY = `mk_${"d".repeat(43)}`;

describe("development tenant", () => {
  it("is created from DEV_API_KEY on first request, idempotently, and only in development", async () => {
    const devEnv = { ...env, ENVIRONMENT: "development", DEV_API_KEY: DEV_KEY };
    const prodEnv = { ...env, ENVIRONMENT: "production", DEV_API_KEY: DEV_KEY };
    const headers = { authorization: `Bearer ${DEV_KEY}` };
    // Outside development the key means nothing.
    expect((await app.request(`${BASE}/v1/cubes`, { headers }, prodEnv)).status).toBe(401);
    for (let i = 0; i < 2; i++) {
      const res = await app.request(`${BASE}/v1/cubes`, { headers }, devEnv);
      expect(res.status).toBe(200);
    }
    const keys = await env.DB.prepare("SELECT COUNT(*) AS n FROM api_keys WHERE tenant_id = 'tnt_dev'").first<{ n: number }>();
    expect(keys?.n).toBe(1);
  });
});
