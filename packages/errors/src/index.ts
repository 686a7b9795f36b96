// The one table of error codes, each with its HTTP status, and the one error body: the Worker's
// API, its cube objects' results and the gpu-bridge all answer with these.

/** Every stable code, with the HTTP status it is answered with. */
export const ERROR_STATUS = {
  // Shared by the API and the bridge.
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  not_implemented: 501,
  upstream_unavailable: 503,
  // The bridge's own refusals and upstream failures.
  budget_exceeded: 409,
  adapter_cap_reached: 409,
  unsupported_operation: 422,
  no_node: 422,
  upstream_error: 502,
  upstream_stream_failed: 502,
  upstream_timeout: 504,
  trainer_unavailable: 503,
  // Request signatures between the Worker and the bridge.
  signature_missing: 401,
  signature_malformed: 401,
  signature_stale: 401,
  signature_invalid: 401,
  signature_replayed: 401,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

/** The codes the public API answers with; the bridge's own codes reach API callers mapped onto these. */
export const API_ERROR_CODES = [
  "invalid_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "rate_limited",
  "upstream_unavailable",
  "not_implemented",
  "internal",
] as const satisfies readonly ErrorCode[];
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** The body of every error answer. `request_id` names the request in both services' logs. */
export interface ErrorBody<C extends string = ErrorCode> {
  error: { code: C; message: string; details?: unknown };
  request_id: string;
}

export function errorBody<C extends string>(code: C, message: string, details: unknown, requestId: string): ErrorBody<C> {
  return { error: { code, message, ...(details === undefined ? {} : { details }) }, request_id: requestId };
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_STATUS, code);
}

/** An error that carries a code of the table, its status and optional details: what both services throw. */
export class CodedError<C extends ErrorCode = ErrorCode> extends Error {
  readonly status: (typeof ERROR_STATUS)[C];
  constructor(
    readonly code: C,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}
