// Cube-level authorization shared by routes that address a cube by id: scope, then tenant ownership.
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { assertScope } from "./route";
import { reachCube } from "../services/access";

/** Throws 403 without the scope, 404 when the cube is not within the caller's reach (tenant, key limits, grants). */
export async function authorizeCube(c: Context<AppEnv>, cubeId: string, need: "read" | "write"): Promise<void> {
  assertScope(c, need === "read" ? "memories:read" : "memories:write");
  await reachCube(c.get("deps"), c.get("auth"), { cube_id: cubeId }, need);
}
