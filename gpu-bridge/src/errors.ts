// One error type for the bridge: an HTTP status, a stable snake_case code, optional details.
import type { BridgeErrorBody, BridgeErrorCode } from "@memos-edge/bridge-protocol";
import { CodedError, errorBody } from "@memos-edge/errors";
import type { Context } from "hono";
import type { RequestIdVariables } from "hono/request-id";

/** What the bridge throws to answer an error; `onBridgeError` turns it into the shared error body. */
export class BridgeError extends CodedError<BridgeErrorCode> {
  override readonly name = "BridgeError";
}

/** The error body of the shared shape; `requestId` is the caller's X-Request-Id (the Worker's), or one made here. */
export function errorJson(err: BridgeError, requestId: string): BridgeErrorBody {
  return errorBody(err.code, err.message, err.details, requestId);
}

/** The bridge's one onError: known errors keep their code, anything else is a 500 that leaks nothing. */
export function onBridgeError(err: Error, c: Context<{ Variables: RequestIdVariables }>): Response {
  const rid = c.get("requestId") ?? crypto.randomUUID();
  if (err instanceof BridgeError) return c.json(errorJson(err, rid), err.status);
  console.error("[gpu-bridge] unhandled error", rid, err, err.stack);
  return c.json(errorJson(new BridgeError("internal", "internal error"), rid), 500);
}
