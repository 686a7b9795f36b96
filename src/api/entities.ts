// GET /v1/entities: the entities of a cube, with aliases and how many memories mention them.
import { z } from "zod";
import { defineRoute, jsonAnswer, routes } from "./route";
import { cubeIdSchema, scopeIdSchema } from "../memory/cube-contract";
import { unwrap } from "../services/cubes";
import { reachCube } from "../services/access";
import { ApiError } from "../errors";

export const entities = routes();

const entitiesQuery = z
  .strictObject({
    user_id: scopeIdSchema.optional(),
    cube_id: cubeIdSchema.optional(),
    prefix: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .refine((q) => q.user_id !== undefined || q.cube_id !== undefined, { message: "give user_id or cube_id" });

const entitiesResponse = z.object({
  entities: z.array(z.object({ name: z.string(), aliases: z.array(z.string()), memory_count: z.number(), first_seen_at: z.string(), last_seen_at: z.string() })),
});

const listEntities = defineRoute({
  method: "get",
  path: "/",
  tags: ["memories"],
  scope: "memories:read",
  summary: "Entities of a cube with their aliases and memory counts",
  request: { query: entitiesQuery },
  responses: { 200: jsonAnswer(entitiesResponse) },
});
entities.openapi(listEntities, async (c) => {
  const q = c.req.valid("query");
  const reach = await reachCube(c.get("deps"), c.get("auth"), q, "read");
  // A cube's entities are counted over all its memories: a key that sees only some agents' memories would learn the others'.
  if (reach.visible_agents !== null) throw new ApiError("forbidden", "entities of a shared cube are not available to a key limited to agents");
  const { identity } = reach;
  const list = unwrap(await c.get("deps").cube(identity).entities(identity, q.limit, q.prefix ?? null));
  return c.json(
    { entities: list.map((e) => ({ ...e, first_seen_at: new Date(e.first_seen_at).toISOString(), last_seen_at: new Date(e.last_seen_at).toISOString() })) },
    200,
  );
});
