// Request id, error handling and API-key authentication for every /v1 route.
import type { Context, MiddlewareHandler } from "hono";
import { requestId as honoRequestId } from "hono/request-id";
import { HTTPException } from "hono/http-exception";
import { and, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { AppEnv } from "./app-env";
import { ApiError, errorBody, isTransientObjectError, retryAfterOf } from "../errors";
import { apiKeys, tenants } from "../db/schema";
import { hashApiKey, looksLikeApiKey, parseLimits, parseScopes } from "../governance/keys";
import { ensureDevTenant } from "../governance/dev-tenant";
import { newId } from "../lib/ids";
import { ProviderError } from "../providers/errors";
import { depsFromEnv } from "../services/deps";

/** Seconds a client is asked to wait after a model provider failed. */
const PROVIDER_RETRY_AFTER_S = 5;

/** X-Request-Id: the caller's when it is well formed (word characters, - and =, 128 at most), else a new `req_` id; echoed. */
export const requestId = honoRequestId({ limitLength: 128, generator: () => newId("req") });

export function onError(err: Error, c: Context<AppEnv>): Response {
  const rid = c.get("requestId") ?? newId("req");
  let apiErr: ApiError;
  if (err instanceof ApiError) apiErr = err;
  else if (err instanceof HTTPException && err.status === 413) apiErr = new ApiError("payload_too_large", "request body is too large");
  else if (err instanceof HTTPException && err.status === 415) apiErr = new ApiError("invalid_request", "Content-Type must be application/json");
  else if (err instanceof HTTPException && err.status < 500) apiErr = new ApiError("invalid_request", err.message || "bad request");
  else if (err instanceof ProviderError) {
    // A model outage is the upstream's, not ours: 503, with a hint when a retry can help. The
    // upstream's own words stay in the log (they may quote the request).
    console.warn(JSON.stringify({ level: "warn", request_id: rid, provider: err.provider, message: err.message, retryable: err.retryable }));
    apiErr = new ApiError("upstream_unavailable", `the ${err.provider} model provider is unavailable`, { provider: err.provider, retryable: err.retryable });
    if (err.retryable) c.header("Retry-After", String(PROVIDER_RETRY_AFTER_S));
  } else if (isTransientObjectError(err)) {
    console.warn(JSON.stringify({ level: "warn", request_id: rid, message: "cube object unavailable", error: err.message }));
    apiErr = new ApiError("upstream_unavailable", "the memory cube is busy or restarting; retry", { retry_after_s: 1 });
  } else {
    console.error(JSON.stringify({ level: "error", request_id: rid, name: err.name, message: err.message, stack: err.stack }));
    apiErr = new ApiError("internal", "internal error");
  }
  const retryAfter = retryAfterOf(apiErr);
  if (retryAfter !== undefined) c.header("Retry-After", String(retryAfter));
  c.header("X-Request-Id", rid);
  return c.json(errorBody(apiErr, rid), apiErr.status);
}

export function bearer(c: Context): string | null {
  const h = c.req.header("authorization");
  const m = h?.match(/^Bearer\s+(\S+)\s*$/i);
  return m?.[1] ?? null;
}

/** Authenticates the API key that `read` finds in the request; the tenant and scopes land in c.var.auth. */
export const authenticateWith = (read: (c: Context) => string | null): MiddlewareHandler<AppEnv> => async (c, next) => {
  await ensureDevTenant(c.env);
  const key = read(c);
  if (!key || !looksLikeApiKey(key)) throw new ApiError("unauthorized", "missing or malformed API key");
  const { hash } = await hashApiKey(key);
  // The lookup is by hash: the key itself is never compared, so no timing of it leaks. The join
  // refuses the key of a tenant whose deletion has started (or whose row is gone) like an unknown key.
  const found = await drizzle(c.env.DB)
    .select({ key: apiKeys })
    .from(apiKeys)
    .innerJoin(tenants, and(eq(tenants.id, apiKeys.tenantId), isNull(tenants.deletingAt)))
    .where(eq(apiKeys.hash, hash))
    .get();
  const row = found?.key;
  if (!row || row.revokedAt !== null) throw new ApiError("unauthorized", "invalid or revoked API key");
  c.set("auth", { tenant_id: row.tenantId, key_id: row.id, scopes: parseScopes(row.scopes), limits: parseLimits(row.limits), request_id: c.get("requestId") ?? null });
  c.set("deps", depsFromEnv(c.env));
  await next();
};

/** Authenticates the API key sent as a Bearer token. */
export const authenticate = authenticateWith(bearer);
