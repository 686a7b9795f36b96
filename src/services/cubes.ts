// The cube objects' RPC surface as the Worker calls it, and unwrapping its results.
import type { Env } from "../env";
import type { CubeObject } from "../../durable-objects/cube";
import { ApiError } from "../errors";
import type { CubeIdentity, CubeResult } from "../memory/cube-contract";

/**
 * The cube's RPC surface as the Worker uses it: the class's own method signatures (every method
 * returns plain structured-cloneable data). The stub is checked against it by the compiler.
 */
export type CubeRpc = Pick<
  CubeObject,
  | "addMemories" | "addMessages" | "getJob" | "getJobs" | "startJob" | "planJob" | "completeJob" | "applyFeedback" | "entities" | "failJob" | "getMemory" | "history"
  | "listMemories" | "exportMemories" | "provenance" | "updateMemory" | "deleteMemory" | "deleteScope" | "search" | "stats" | "drain" | "close" | "destroy"
  | "lifecycle" | "setLifecycle" | "schedulerState" | "runScheduler" | "workingMemory" | "profile"
  | "chatPrefix" | "activationConfig" | "setActivationConfig"
  | "consolidationConfig" | "setConsolidationConfig" | "parameterMemory" | "setParameterMemory" | "distillDataset" | "chatAdapter"
  | "maskTexts" | "maskQuery" | "privacy" | "setPrivacy" | "revealPlaceholders"
  | "startSkillJob" | "completeSkillJob" | "failSkillJob" | "getSkill" | "createSkill" | "listSkills" | "updateSkill" | "deleteSkill" | "skillVersions"
  | "searchSkills" | "instantiateSkill" | "skillFeedback" | "installSkill"
>;

export function cubeStub(env: Env, identity: CubeIdentity): CubeRpc {
  // The object name carries the tenant, so two tenants can never reach the same object.
  return env.CUBE.get(env.CUBE.idFromName(`${identity.tenant_id}/${identity.cube_id}`));
}

export function unwrap<T>(result: CubeResult<T>): T {
  if (result.ok) return result.value;
  throw new ApiError(result.error.code, result.error.message, result.error.details);
}
