// Development only: creates the dev tenant and its API key (from DEV_API_KEY) once, idempotently.
import type { Env } from "../env";
import { hashApiKey, looksLikeApiKey } from "./keys";

export const DEV_TENANT_ID = "tnt_dev";
let done: Promise<void> | null = null;

export function ensureDevTenant(env: Env): Promise<void> {
  if (env.ENVIRONMENT !== "development" || !env.DEV_API_KEY || !looksLikeApiKey(env.DEV_API_KEY)) return Promise.resolve();
  done ??= (async () => {
    const key = env.DEV_API_KEY as string;
    const { hash, prefix } = await hashApiKey(key);
    const now = Date.now();
    await env.DB.batch([
      env.DB.prepare("INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES (?, 'development', ?)").bind(DEV_TENANT_ID, now),
      env.DB.prepare(
        "INSERT OR IGNORE INTO api_keys (id, tenant_id, name, hash, prefix, scopes, created_at) VALUES ('key_dev', ?, 'development', ?, ?, ?, ?)",
      ).bind(DEV_TENANT_ID, hash, prefix, JSON.stringify(["memories:read", "memories:write", "admin"]), now),
    ]);
  })().catch((err: unknown) => {
    done = null;
    throw err;
  });
  return done;
}
