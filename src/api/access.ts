// Cube-level authorization shared by routes that address a cube by id: scope, then tenant ownership.
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { assertScope } from "./route";
import { reachCube } from "../services/access";
import { desensitizeForBridge } from "../services/bridge-texts";

/** Throws 403 without the scope, 404 when the cube is not within the caller's reach (tenant, key limits, grants). */
export async function authorizeCube(c: Context<AppEnv>, cubeId: string, need: "read" | "write"): Promise<void> {
  assertScope(c, need === "read" ? "memories:read" : "memories:write");
  await reachCube(c.get("deps"), c.get("auth"), { cube_id: cubeId }, need);
}

/** Texts bound for a GPU node, desensitized with the cube's mode and vault (the cube was authorized first). */
export async function desensitizeForNode(c: Context<AppEnv>, cubeId: string, texts: readonly string[]): Promise<string[]> {
  const identity = { tenant_id: c.get("auth").tenant_id, cube_id: cubeId };
  return desensitizeForBridge(c.get("deps").cube(identity), identity, texts);
}
