// A user's profile for the API: reach their cube, read the profile the scheduler built there.
import { ApiError } from "../errors";
import { unwrap } from "./cubes";
import { reachCube, type Principal, type Reach } from "./access";
import type { Deps } from "./deps";
import type { Profile } from "../memory/profile";

export type ProfileOut = Profile;

/** The profile of `user_id` in their cube (or in `cube_id`); a key limited to agents may not read one (it spans every agent). */
export async function readProfile(deps: Deps, who: Principal, q: { user_id: string; cube_id?: string | undefined }): Promise<ProfileOut> {
  const reach = await reachCube(deps, who, q, "read");
  return profileIn(deps, reach, q.user_id);
}

export async function profileIn(deps: Deps, reach: Reach, userId: string): Promise<ProfileOut> {
  if (reach.visible_agents !== null) throw new ApiError("forbidden", "a profile spans every agent's memories: a key limited to agents may not read it");
  return unwrap(await deps.cube(reach.identity).profile(reach.identity, userId));
}
