// A route is defined once: its schemas, its answers and the scope it needs. The OpenAPI document,
// the validation and the authorization all come from this one definition.
import { createRoute, OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, Scope } from "./app-env";
import { ApiError } from "../errors";

const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  request_id: z.string(),
});
const errorResponses = {
  "4XX": { description: "Client error: a stable code, nothing changed", content: { "application/json": { schema: errorSchema } } },
  "5XX": { description: "Server or upstream error", content: { "application/json": { schema: errorSchema } } },
} as const;

/** Throws 403 unless the caller's key holds the scope (admin implies every scope of its tenant). */
export function assertScope(c: Context<AppEnv>, scope: Scope): void {
  const scopes = c.get("auth").scopes;
  if (!scopes.includes(scope) && !scopes.includes("admin")) throw new ApiError("forbidden", `this key lacks the ${scope} scope`);
}

/** Refuses a key without the scope, before the route validates anything. */
export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  return async function scoped(c, next) {
    assertScope(c, scope);
    await next();
  };
}

/** A route every valid key of the tenant may call, whatever its scopes (e.g. a key reading its own description). */
export const VALID_KEY = "key";

type Definition = Omit<RouteConfig, "security" | "middleware"> & {
  /** The API-key scope the route needs, VALID_KEY for none beyond a valid key, or "admin-token" for the operator routes behind ADMIN_TOKEN. */
  scope: Scope | typeof VALID_KEY | "admin-token";
};

/**
 * A route's one definition. The scope is enforced by a middleware that runs before validation and
 * is written into the document (`security` and `x-required-scope`); the error answers every route
 * shares are added to its responses.
 */
export function defineRoute<const D extends Definition>(definition: D): Omit<D, "scope" | "responses"> & { responses: D["responses"] & typeof errorResponses; middleware: MiddlewareHandler<AppEnv>[] } {
  const { scope, ...config } = definition;
  const admin = scope === "admin-token";
  const route = createRoute({
    ...config,
    responses: { ...config.responses, ...errorResponses },
    security: [admin ? { adminToken: [] } : { apiKey: [] }],
    middleware: scope === "admin-token" || scope === VALID_KEY ? [] : [requireScope(scope)],
    ...(admin ? {} : { "x-required-scope": scope }),
  });
  return route as typeof route & Omit<D, "scope" | "responses"> & { responses: D["responses"] & typeof errorResponses; middleware: MiddlewareHandler<AppEnv>[] };
}

function issues(error: z.ZodError) {
  return error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

/**
 * A sub-app whose routes answer a failed validation with the one error shape: 400
 * `invalid_request`, with each issue's path and message, and nothing changed.
 */
export function routes(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const where = result.target === "json" ? "request body does not match the schema" : result.target === "query" ? "query parameters are invalid" : "path parameters are invalid";
      throw new ApiError("invalid_request", where, issues(result.error));
    },
  });
}

/** A JSON request body, required. */
export const jsonContent = <S extends z.ZodType>(schema: S, description?: string) =>
  ({ content: { "application/json": { schema } }, required: true, ...(description ? { description } : {}) }) as const;

/** A JSON answer. */
export const jsonAnswer = <S extends z.ZodType>(schema: S, description = "OK") => ({ description, content: { "application/json": { schema } } }) as const;
