// MemOS's answer envelope ({ code, message, data }): success is code 0; an error keeps our HTTP status and stable code.
import type { Context } from "hono";
import type { z } from "zod";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../api/app-env";
import { onError } from "../../api/middleware";
import { ApiError, type ErrorCode } from "../../errors";

/** The key as MemOS clients send it, `Authorization: Token <key>`; a Bearer token is accepted too. */
export function memosToken(c: Context): string | null {
  const m = c.req.header("authorization")?.match(/^(?:Token|Bearer)\s+(\S+)\s*$/i);
  return m?.[1] ?? null;
}

export const ok = <T>(c: Context<AppEnv>, data: T) => c.json({ code: 0, message: "ok", data }, 200);

/** MemOS's numeric code for one of ours (MemOS error-code list); a route's own not-found code where MemOS has one. */
function memosCode(code: string, c: Context<AppEnv>): number {
  const path = c.req.path;
  switch (code as ErrorCode) {
    case "invalid_request":
    case "payload_too_large":
      return 40000;
    case "not_found":
      return path.endsWith("/get/status") ? 50131 : path.endsWith("/delete/memory") ? 40307 : 40001;
    case "unauthorized":
      return memosToken(c) === null ? 40100 : 40132;
    case "forbidden":
      return 40130;
    case "rate_limited":
      return 40300;
    case "upstream_unavailable":
      return path.endsWith("/search/memory") ? 50005 : 50004;
    case "internal":
      return 50000;
    default:
      return 50002;
  }
}

/** The one error handler of the MemOS routes: our error answer (status, headers, log), rewrapped. */
export async function memosOnError(err: Error, c: Context<AppEnv>): Promise<Response> {
  const res = onError(err, c);
  const body = (await res.json()) as { error: { code: string; message: string; details?: unknown }; request_id: string };
  return c.json({ code: memosCode(body.error.code, c), message: body.error.message, data: null, error: body.error, request_id: body.request_id }, res.status as ContentfulStatusCode);
}

/** The JSON body, checked against a schema: 400 invalid_request with each issue otherwise. */
export async function bodyOf<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new ApiError("invalid_request", "request body is not valid JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ApiError("invalid_request", "request body does not match the schema", parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  }
  return parsed.data;
}
