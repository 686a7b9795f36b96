// Edge checks of a JSON body before any route's schema sees it: UTF-8, JSON, no lone surrogate.
import type { Context, MiddlewareHandler } from "hono";
import { ApiError } from "../errors";

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
