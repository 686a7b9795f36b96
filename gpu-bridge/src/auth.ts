// Middleware that refuses every request without a valid, fresh, unreplayed HMAC signature.
import type { MiddlewareHandler } from "hono";
import { createSigner, MemoryReplayCache } from "../../src/bridge/signing.js";
import type { ReplayCache } from "../../src/bridge/signing.js";
import { BridgeError } from "./errors.js";
import { nodePrimitives } from "./node-crypto.js";

export interface SignatureOptions {
  secret: string;
  maxSkewMs: number;
  /** Paths served without a signature (exact match). */
  open: string[];
  replay?: ReplayCache;
}

/** Built once: the HMAC key is imported and the options checked here, not per request. */
export function requireSignature(opts: SignatureOptions): MiddlewareHandler {
  const signer = createSigner(opts.secret, nodePrimitives);
  const replay = opts.replay ?? new MemoryReplayCache();
  const open = new Set(opts.open);
  return async function signature(c, next) {
    const url = new URL(c.req.url);
    if (open.has(url.pathname)) return next();
    const body = c.req.method === "GET" || c.req.method === "HEAD" ? undefined : new Uint8Array(await c.req.arrayBuffer());
    const result = await signer.verify(
      { method: c.req.method, pathWithQuery: url.pathname + url.search, body, headers: c.req.raw.headers },
      { maxSkewMs: opts.maxSkewMs, replay },
    );
    if (!result.ok) throw new BridgeError(result.code, result.message);
    return next();
  };
}
