// Collects each route's zod schemas as it is defined, and builds the OpenAPI 3.1 document from them.
import { z } from "zod";

export interface Operation {
  method: "get" | "post" | "patch" | "delete";
  path: string; // OpenAPI form: /v1/memories/{id}
  summary: string;
  tag: string;
  scope?: string;
  body?: z.ZodType;
  query?: z.ZodType;
  response: z.ZodType;
  status?: number;
  admin?: boolean;
}

const operations: Operation[] = [];

/** Registers an operation for the document; call once per route, next to its handler. */
export function describeRoute(op: Operation): void {
  operations.push(op);
}

const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  request_id: z.string(),
});

function schemaOf(s: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(s, { target: "draft-2020-12", unrepresentable: "any", io: "input" }) as Record<string, unknown>;
}

function queryParameters(s: z.ZodType): Array<Record<string, unknown>> {
  const json = schemaOf(s) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    schema,
  }));
}

export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
    const entry: Record<string, unknown> = {
      summary: op.summary,
      tags: [op.tag],
      security: op.admin ? [{ adminToken: [] }] : [{ apiKey: [] }],
      parameters: [...params, ...(op.query ? queryParameters(op.query) : [])],
      responses: {
        [String(op.status ?? 200)]: { description: "OK", content: { "application/json": { schema: schemaOf(op.response) } } },
        "4XX": { description: "Client error", content: { "application/json": { schema: schemaOf(errorSchema) } } },
        "5XX": { description: "Server error", content: { "application/json": { schema: schemaOf(errorSchema) } } },
      },
      ...(op.scope ? { "x-required-scope": op.scope } : {}),
    };
    if (op.body) entry.requestBody = { required: true, content: { "application/json": { schema: schemaOf(op.body) } } };
    (paths[op.path] ??= {})[op.method] = entry;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "memos-edge",
      version: "1.0.0",
      description: "Memory operating system for AI agents: explicit memory, search and context packing.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "API key (mk_...)" },
        adminToken: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN secret" },
      },
    },
    paths,
  };
}
