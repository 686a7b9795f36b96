// zod validation at the bridge's edge: bad input is a 400 invalid_request that changes nothing.
import type { Context } from "hono";
import { z } from "zod";
import { BridgeError } from "../errors.js";

export function parse<T extends z.ZodType>(schema: T, data: unknown): z.infer<T> {
  const r = schema.safeParse(data);
  if (!r.success) {
    throw new BridgeError("invalid_request", "request does not match the schema", {
      issues: r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  return r.data;
}

export async function jsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  let data: unknown;
  try {
    data = await c.req.json();
  } catch {
    throw new BridgeError("invalid_request", "body must be JSON");
  }
  return parse(schema, data);
}
