// Edge validation: parse JSON bodies and queries with zod; any failure is a 400 that changed nothing.
import type { Context } from "hono";
import type { z } from "zod";
import { ApiError } from "../errors";

function issues(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw new ApiError("invalid_request", "Content-Type must be application/json");
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new ApiError("invalid_request", "request body is not valid JSON");
  }
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
