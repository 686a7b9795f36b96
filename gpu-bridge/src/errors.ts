// One error type for the bridge: an HTTP status, a stable snake_case code, optional details.
import type { BridgeErrorBody, BridgeErrorCode } from "@memos-edge/bridge-protocol";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The HTTP status of each code of the protocol. */
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

export function errorJson(err: BridgeError): BridgeErrorBody {
  return { error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) } };
}

/** The bridge's one onError: known errors keep their code, anything else is a 500 that leaks nothing. */
export function onBridgeError(err: Error, c: Context): Response {
  if (err instanceof BridgeError) return c.json(errorJson(err), err.status);
  console.error("[gpu-bridge] unhandled error", err, err.stack);
  return c.json(errorJson(new BridgeError("internal", "internal error")), 500);
}
