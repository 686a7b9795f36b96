// The API's error type: a stable code of the shared table (@memos-edge/errors), its status, details.
import { CodedError, errorBody as bodyOf, type ApiErrorCode } from "@memos-edge/errors";

/** The codes the API answers with: those of the one table shared with the cubes and the bridge. */
export type ErrorCode = ApiErrorCode;

/** What a route throws to answer an error; `onError` turns it into the one error body. */
export class ApiError extends CodedError<ErrorCode> {
  override readonly name = "ApiError";
}

/** The JSON body of every error answer. */
export function errorBody(err: ApiError, requestId: string) {
  return bodyOf(err.code, err.message, err.details, requestId);
}

/**
 * Seconds a client should wait before trying again, when the error's details say
 * (`retry_after_s`, as a cube does while it reads its vector index); answered as Retry-After.
 */
export function retryAfterOf(err: ApiError): number | undefined {
  const d = err.details;
  if (typeof d !== "object" || d === null || !("retry_after_s" in d)) return undefined;
  const s = (d as { retry_after_s: unknown }).retry_after_s;
  return typeof s === "number" && Number.isFinite(s) && s > 0 ? Math.ceil(s) : undefined;
}

/**
 * Whether an error thrown by a Durable Object stub says that trying again can help: the runtime
 * marks an overloaded object (`overloaded`) and a transient failure such as a reset or a moved
 * object (`retryable`). Such failures are answered 503 with Retry-After, never 500.
 */
export function isTransientObjectError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { overloaded?: unknown; retryable?: unknown };
  return e.overloaded === true || e.retryable === true;
}
