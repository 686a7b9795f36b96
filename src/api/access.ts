// Cube-level authorization shared by routes that address a cube by id: scope, then tenant ownership.
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { assertScope } from "./route";
import { resolveCube } from "../services/cubes";

/** Throws 403 without the scope, 404 when the cube is not the caller's tenant's. */
export async function authorizeCube(c: Context<AppEnv>, cubeId: string, need: "read" | "write"): Promise<void> {
  assertScope(c, need === "read" ? "memories:read" : "memories:write");
  await resolveCube(c.get("deps").registry, c.get("auth").tenant_id, { cube_id: cubeId });
}
