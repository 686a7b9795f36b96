// MemosError: a non-2xx answer of the API, with its stable code, status, request id and details.

/** The codes the API answers with (`@memos-edge/errors`' API table); a newer server may add more. */
export type MemosErrorCode =
  | "invalid_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "rate_limited"
  | "upstream_unavailable"
  | "not_implemented"
  | "internal"
  | (string & {});

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
  request_id?: string;
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const error: unknown = value.error;
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string" && "message" in error && typeof error.message === "string";
}

/** Thrown by every call whose answer is not 2xx (after the retries the call was allowed). */
export class MemosError extends Error {
  override readonly name = "MemosError";
  /** The stable code of the error body, or `http_<status>` when the answer was not the API's error shape. */
  readonly code: MemosErrorCode;
  readonly status: number;
  /** `request_id` of the body, else the `X-Request-Id` header: the name of the request in the server's log. */
  readonly requestId: string | null;
  readonly details: unknown;
  /** Seconds the server asked to wait (`Retry-After`), when it said. */
  readonly retryAfter: string | null;

  constructor(init: { code: MemosErrorCode; message: string; status: number; requestId: string | null; details?: unknown; retryAfter?: string | null }) {
    super(init.message);
    this.code = init.code;
    this.status = init.status;
    this.requestId = init.requestId;
    this.details = init.details;
    this.retryAfter = init.retryAfter ?? null;
  }

  /** Reads an error answer (its body is consumed). */
  static async fromResponse(response: Response): Promise<MemosError> {
    const text = await response.text().catch(() => "");
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const header = response.headers.get("x-request-id");
    const retryAfter = response.headers.get("retry-after");
    if (isErrorBody(body)) {
      return new MemosError({ code: body.error.code, message: body.error.message, status: response.status, requestId: body.request_id ?? header, details: body.error.details, retryAfter });
    }
    return new MemosError({ code: `http_${response.status}`, message: text.slice(0, 200) || `HTTP ${response.status}`, status: response.status, requestId: header, retryAfter });
  }
}
