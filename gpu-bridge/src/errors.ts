// One error type for the bridge: an HTTP status, a stable snake_case code, optional details.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Stable codes; the Worker client maps them onto its own API codes. */
export type BridgeErrorCode =
  | "invalid_request"
  | "not_found"
  | "conflict"
  | "budget_exceeded"
  | "adapter_cap_reached"
  | "unsupported_operation"
  | "no_node"
  | "upstream_error"
  | "upstream_timeout"
  | "upstream_unavailable"
  | "upstream_stream_failed"
  | "trainer_unavailable"
  | "internal"
  | "signature_missing"
  | "signature_malformed"
  | "signature_stale"
  | "signature_invalid"
  | "signature_replayed";

const STATUS: Record<BridgeErrorCode, ContentfulStatusCode> = {
  invalid_request: 400,
  not_found: 404,
  conflict: 409,
  budget_exceeded: 409,
  adapter_cap_reached: 409,
  unsupported_operation: 422,
  no_node: 422,
  upstream_error: 502,
  upstream_timeout: 504,
  upstream_unavailable: 503,
  upstream_stream_failed: 502,
  trainer_unavailable: 503,
  internal: 500,
  signature_missing: 401,
  signature_malformed: 401,
  signature_stale: 401,
  signature_invalid: 401,
  signature_replayed: 401,
};

export class BridgeError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: BridgeErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "BridgeError";
    this.status = STATUS[code];
  }
}

export function errorJson(err: BridgeError) {
  return { error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } };
}

/** The bridge's one onError: known errors keep their code, anything else is a 500 that leaks nothing. */
export function onBridgeError(err: Error, c: Context): Response {
  if (err instanceof BridgeError) return c.json(errorJson(err), err.status);
  console.error("[gpu-bridge] unhandled error", err, err.stack);
  return c.json(errorJson(new BridgeError("internal", "internal error")), 500);
}
