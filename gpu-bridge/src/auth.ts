// Signature checks: refuses every request without a valid, fresh, unreplayed HMAC signature.
import { createSigner, MemoryReplayCache } from "@memos-edge/bridge-protocol";
import type { ReplayCache } from "@memos-edge/bridge-protocol";
import type { MiddlewareHandler } from "hono";
import { BridgeError } from "./errors.js";
import { nodePrimitives } from "./node-crypto.js";

export interface SignatureOptions {
  secret: string;
  maxSkewMs: number;
  /** Paths served without a signature (exact match). */
  open: string[];
  replay?: ReplayCache;
}

/** Throws the request's signature_* BridgeError unless it is signed, fresh and not replayed. */
export type Verify = (
  method: string,
  pathWithQuery: string,
  body: Uint8Array | undefined,
  headers: { get(name: string): string | null },
) => Promise<void>;

/** Built once: the HMAC key is set up here, not per request; one replay cache for all routes. */
export function createVerifier(opts: Omit<SignatureOptions, "open">): Verify {
  const signer = createSigner(opts.secret, nodePrimitives);
  const replay = opts.replay ?? new MemoryReplayCache();
  const check = { maxSkewMs: opts.maxSkewMs, replay };
  return async function verify(method, pathWithQuery, body, headers) {
    const result = await signer.verify({ method, pathWithQuery, body, headers }, check);
    if (!result.ok) throw new BridgeError(result.code, result.message);
  };
}

/** Hono middleware over a verifier; `open` paths pass without a signature. */
export function requireSignature(opts: SignatureOptions & { verify?: Verify }): MiddlewareHandler {
  const verify = opts.verify ?? createVerifier(opts);
  const open = new Set(opts.open);
  return async function signature(c, next) {
    const url = new URL(c.req.url);
    if (open.has(url.pathname)) return next();
    const body = c.req.method === "GET" || c.req.method === "HEAD" ? undefined : new Uint8Array(await c.req.arrayBuffer());
    await verify(c.req.method, url.pathname + url.search, body, c.req.raw.headers);
    return next();
  };
}
