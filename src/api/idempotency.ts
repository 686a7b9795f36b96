// Idempotency-Key on every write: cube writes pass the key to the cube (kept beside the write, in
// the same transaction); the writes that D1 serves keep the first answer of a key in D1.
import type { Context, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./app-env";
import { ApiError } from "../errors";
import { sha256Hex } from "../governance/crypto";
import type { Idempotency } from "../memory/cube-contract";
import { bodyText } from "./validate";

/** How long the first answer of a key is kept (the cube keeps its own for as long). */
const TTL_MS = 24 * 60 * 60 * 1000;
/** A request that holds a key this long without finishing is taken to have died; a retry may run. */
const PENDING_MS = 60_000;

function keyOf(c: Context): string | undefined {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > 255) throw new ApiError("invalid_request", "Idempotency-Key must be 1 to 255 characters");
  return key;
}

/** For cube writes: the Idempotency-Key header bound to a hash of what the request asks for. */
export async function cubeIdempotency(c: Context<AppEnv>, body: unknown): Promise<Idempotency | undefined> {
  const key = keyOf(c);
  if (key === undefined) return undefined;
  return { key, request_hash: await sha256Hex(`${c.req.method} ${c.req.path} ${JSON.stringify(body)}`) };
}

export interface D1IdempotencyOptions {
  /** Whose keys these are: the caller's tenant, or "admin" for the admin routes. */
  scope(c: Context<AppEnv>): string;
  /** What of a 2xx answer may be stored and replayed (a new API key's secret may not). */
  redact?(body: Record<string, unknown>): Record<string, unknown>;
}

interface Row {
  request_hash: string;
  state: string;
  status: number | null;
  body: string | null;
  created_at: number;
}

/**
 * Middleware for writes served by D1 (and the gpu-bridge): a retry with the same key and request
 * gets the first 2xx answer again (`Idempotent-Replayed: true`) and changes nothing; the same key
 * with another request, or while the first is still running, is a 409. A failed first attempt
 * keeps no answer, so its retry runs. Reads pass through untouched.
 */
export function d1Idempotency(options: D1IdempotencyOptions): MiddlewareHandler<AppEnv> {
  return async function idempotency(c, next) {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const key = keyOf(c);
    if (key === undefined) return next();
    const scope = options.scope(c);
    const raw = c.req.method === "DELETE" ? "" : await bodyText(c);
    const hash = await sha256Hex(`${c.req.method} ${c.req.path}?${new URL(c.req.url).search}\n${raw}`);
    const db = c.env.DB;
    const now = Date.now();
    await db.prepare("DELETE FROM idempotency_keys WHERE scope = ? AND created_at < ?").bind(scope, now - TTL_MS).run();
    const claimed = await db
      .prepare("INSERT INTO idempotency_keys (scope, key, request_hash, state, created_at) VALUES (?, ?, ?, 'pending', ?) ON CONFLICT DO NOTHING")
      .bind(scope, key, hash, now)
      .run();
    if (claimed.meta.changes === 0) {
      const row = await db.prepare("SELECT request_hash, state, status, body, created_at FROM idempotency_keys WHERE scope = ? AND key = ?").bind(scope, key).first<Row>();
      if (!row) throw new ApiError("conflict", "Idempotency-Key is being released; retry");
      if (row.request_hash !== hash) throw new ApiError("conflict", "Idempotency-Key was already used with a different request");
      if (row.state === "done") {
        c.header("Idempotent-Replayed", "true");
        c.header("Content-Type", "application/json");
        return c.newResponse(row.body ?? "{}", (row.status ?? 200) as ContentfulStatusCode);
      }
      if (now - row.created_at < PENDING_MS) throw new ApiError("conflict", "a request with this Idempotency-Key is still running");
      const taken = await db
        .prepare("UPDATE idempotency_keys SET created_at = ? WHERE scope = ? AND key = ? AND state = 'pending' AND created_at = ?")
        .bind(now, scope, key, row.created_at)
        .run();
      if (taken.meta.changes === 0) throw new ApiError("conflict", "a request with this Idempotency-Key is still running");
    }
    let stored = false;
    try {
      await next();
      if (c.res.status >= 200 && c.res.status < 300) {
        const answer = (await c.res.clone().json()) as Record<string, unknown>;
        const body = JSON.stringify(options.redact ? options.redact(answer) : answer);
        await db.prepare("UPDATE idempotency_keys SET state = 'done', status = ?, body = ? WHERE scope = ? AND key = ?").bind(c.res.status, body, scope, key).run();
        stored = true;
      }
    } finally {
      if (!stored) await db.prepare("DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND state = 'pending'").bind(scope, key).run();
    }
  };
}

/** Keys of the caller's tenant; for routes behind `authenticate`. */
export const tenantIdempotency = d1Idempotency({ scope: (c) => c.get("auth").tenant_id });
