// A session's working memory for the API: reach the cube, read the session's turns and summary there.
import { unwrap } from "./cubes";
import { reachCube, type Principal, type Reach } from "./access";
import type { Deps } from "./deps";
import type { WorkingMemory } from "../memory/working-memory";

export interface WorkingMemoryQuery {
  session_id: string;
  user_id?: string | undefined;
  cube_id?: string | undefined;
  budget_tokens?: number | undefined;
}

/** The working memory of a session in a cube the caller reaches (by user_id or cube_id). */
export async function readWorkingMemory(deps: Deps, who: Principal, q: WorkingMemoryQuery): Promise<WorkingMemory> {
  const reach = await reachCube(deps, who, q, "read");
  return workingMemoryIn(deps, reach, q.session_id, q.user_id, q.budget_tokens);
}

/** The working memory of a session in a cube already reached; a key limited to agents sees only their turns. */
export async function workingMemoryIn(deps: Deps, reach: Reach, sessionId: string, userId: string | undefined, budget: number | undefined): Promise<WorkingMemory> {
  const args = {
    session_id: sessionId,
    ...(userId !== undefined ? { user_id: userId } : {}),
    ...(reach.visible_agents ? { visible_agents: reach.visible_agents } : {}),
    ...(budget !== undefined ? { budget_tokens: budget } : {}),
  };
  return unwrap(await deps.cube(reach.identity).workingMemory(reach.identity, args));
}
