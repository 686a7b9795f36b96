// The hub's narrow view of a cube's skills: read one to publish it, install a listing's snapshot as one.
import type { CubeIdentity, Idempotency } from "../memory/cube-contract";
import type { Skill, SkillDraft } from "../memory/skills/types";
import { ApiError } from "../errors";
import type { Deps } from "./deps";

/** What the hub needs of a cube's skills (the cube's getSkill and installSkill RPCs). */
export interface HubSkills {
  /** The skill at its current version; null when the cube has none of that id. */
  get(identity: CubeIdentity, skillId: string): Promise<Skill | null>;
  /** Installs (or upgrades) a listing's skill: the same listing version twice answers the one skill. */
  install(identity: CubeIdentity, draft: SkillDraft, hub: NonNullable<Skill["hub"]>, idempotency?: Idempotency): Promise<Skill>;
}

/** Skills through the cube objects. */
export function cubeSkills(_deps: Deps): HubSkills {
  const missing = () => new ApiError("not_implemented", "skills are not stored by this build of the cube yet");
  return {
    get: async () => {
      throw missing();
    },
    install: async () => {
      throw missing();
    },
  };
}
