// Edge validation: parse JSON bodies and queries with zod; any failure is a 400 that changed nothing.
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import { ApiError } from "../errors";

function issues(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

/**
 * The body as text. Bytes that are not UTF-8 are refused rather than replaced by U+FFFD, which
 * would store something other than what was sent. A leading byte-order mark is dropped, as RFC
 * 8259 lets a JSON parser do.
 */
export async function bodyText(c: Context): Promise<string> {
  const bytes = await c.req.arrayBuffer();
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError("invalid_request", "request body is not valid UTF-8");
  }
}

/** Path of the first string (key or value) holding a lone surrogate, which no store can keep as sent. */
function illFormedPath(v: unknown, path: string): string | null {
  if (typeof v === "string") return v.isWellFormed() ? null : path || "(body)";
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = illFormedPath(v[i], `${path}${path ? "." : ""}${i}`);
      if (p) return p;
    }
    return null;
  }
  if (typeof v === "object" && v !== null) {
    for (const [k, child] of Object.entries(v)) {
      const at = `${path}${path ? "." : ""}${k}`;
      if (!k.isWellFormed()) return at;
      const p = illFormedPath(child, at);
      if (p) return p;
    }
  }
  return null;
}

export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw new ApiError("invalid_request", "Content-Type must be application/json");
  const text = await bodyText(c);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ApiError("invalid_request", "request body is not valid JSON");
  }
  const bad = illFormedPath(raw, "");
  if (bad) throw new ApiError("invalid_request", "request body holds an ill-formed Unicode string (a lone surrogate)", [{ path: bad, message: "lone surrogate" }]);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ApiError("invalid_request", "request body does not match the schema", issues(parsed.error));
  return parsed.data;
}

/** Validates the query string; repeated keys (tags=a&tags=b) arrive as arrays. */
export function queryParams<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const all = c.req.queries();
  const flat: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(all)) flat[k] = v.length === 1 ? (v[0] as string) : v;
  const parsed = schema.safeParse(flat);
  if (!parsed.success) throw new ApiError("invalid_request", "query parameters are invalid", issues(parsed.error));
  return parsed.data;
}

/**
 * Runs before any route validates a JSON body: the body must be UTF-8, parse as JSON, and hold
 * no lone surrogate. The routes' validators then read the same, cached body.
 */
export const wellFormedJson: MiddlewareHandler = async function wellFormedJson(c, next) {
  if (c.req.method !== "GET" && c.req.method !== "HEAD" && /^application\/json\b/i.test(c.req.header("content-type") ?? "")) {
    const text = await bodyText(c);
    if (text.trim().length > 0) {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        throw new ApiError("invalid_request", "request body is not valid JSON");
      }
      const bad = illFormedPath(raw, "");
      if (bad) throw new ApiError("invalid_request", "request body holds an ill-formed Unicode string (a lone surrogate)", [{ path: bad, message: "lone surrogate" }]);
    }
  }
  await next();
};
