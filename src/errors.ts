// One error type for the API: a status, a stable snake_case code, and optional details.
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ErrorCode =
  | "invalid_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "rate_limited"
  | "upstream_unavailable"
  | "not_implemented"
  | "internal";

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  upstream_unavailable: 503,
  not_implemented: 501,
  internal: 500,
};

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
    this.status = STATUS[code];
  }
}

/** The JSON body of every error answer. */
export function errorBody(err: ApiError, requestId: string) {
  return {
    error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) },
    request_id: requestId,
  };
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
