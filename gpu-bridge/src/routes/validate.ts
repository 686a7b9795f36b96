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

const scopeId = z.string().min(1).max(200);
/**
 * Every cube-scoped request names its tenant and cube; the Worker fills both after authorizing.
 * Strict, like every request schema here (`extend` keeps it so): an unknown field is refused,
 * never ignored, so a misspelt option cannot silently do nothing.
 */
export const scope = z.strictObject({ tenant_id: scopeId, cube_id: scopeId });
export const nodeId = z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/);
export const adapterName = z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, "letters, digits, _ . - (1 to 64)");
