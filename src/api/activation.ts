// A cube's activation settings (/v1/cubes/:id/scheduler/activation): heat half-life, block size, re-render threshold, budget.
import { z } from "zod";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { ApiError } from "../errors";
import { cubeIdSchema } from "../memory/cube-contract";
import { activationPatchSchema } from "../memory/activation/config";
import { unwrap } from "../services/cubes";
import { reachCube } from "../services/access";
import type { Permission } from "../governance/access";
import type { Context } from "hono";
import type { AppEnv } from "./app-env";

/** Mounted at /v1/cubes. */
export const activationConfig = routes();

const params = z.object({ id: cubeIdSchema });
const configSchema = z.object({
  enabled: z.boolean().describe("off: no block is registered (chat still sends the same prefix; the node's own cache alone)"),
  half_life_ms: z.number().int().describe("heat halves over this long without access"),
  block_tokens: z.number().int().describe("most tokens of one user's block"),
  block_memories: z.number().int().describe("most memories in a block besides the profile"),
  min_user_heat: z.number().describe("a user below this heat gets no block"),
  min_change_share: z.number().describe("heat-weighted share of changed memories that makes a block worth re-rendering"),
  min_rerender_ms: z.number().int().describe("a block is re-rendered for heat alone at most this often (a removed memory forces it)"),
  fill: z.number().describe("share of the node's budget this cube's blocks may fill"),
  budget_bytes: z.number().int().nullable().describe("the cube's own cap in bytes, under the node's share"),
  keep_warm_ms: z.number().int().describe("kept blocks are warmed again this often (vLLM evicts least recently used prefixes)"),
});

async function reach(c: Context<AppEnv>, need: Permission) {
  const r = await reachCube(c.get("deps"), c.get("auth"), { cube_id: c.req.param("id") as string }, need);
  if (r.visible_agents !== null) throw new ApiError("forbidden", "only a key that sees the whole cube may read or change its activation settings");
  return r.identity;
}

const getConfig = defineRoute({
  method: "get",
  path: "/{id}/scheduler/activation",
  tags: ["scheduler"],
  scope: "memories:read",
  summary: "A cube's activation memory settings",
  request: { params },
  responses: { 200: jsonAnswer(configSchema) },
});
activationConfig.openapi(getConfig, async (c) => {
  const identity = await reach(c, "read");
  return c.json(unwrap(await c.get("deps").cube(identity).activationConfig(identity)), 200);
});

const patchConfig = defineRoute({
  method: "patch",
  path: "/{id}/scheduler/activation",
  tags: ["scheduler"],
  scope: "memories:write",
  summary: "Change a cube's activation memory settings (the fields given); a new half-life keeps heat as it reads now; the activation task runs again at once",
  request: { params, body: jsonContent(activationPatchSchema) },
  responses: { 200: jsonAnswer(configSchema) },
});
activationConfig.openapi(patchConfig, async (c) => {
  const patch = c.req.valid("json");
  if (Object.keys(patch).length === 0) throw new ApiError("invalid_request", "nothing to change", [{ path: "(body)", message: "give at least one setting" }]);
  const identity = await reach(c, "write");
  return c.json(unwrap(await c.get("deps").cube(identity).setActivationConfig(identity, patch)), 200);
});
