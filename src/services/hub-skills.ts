// The hub's narrow view of a cube's skills: read one to publish it, install a listing's snapshot as one.
import type { CubeIdentity, Idempotency } from "../memory/cube-contract";
import type { Skill, SkillDraft } from "../memory/skills/types";
import { skillText } from "../memory/skills/evolve";
import { unwrap } from "./cubes";
import type { Deps } from "./deps";

/** What the hub needs of a cube's skills (the cube's getSkill and installSkill RPCs). */
export interface HubSkills {
  /** The skill at its current version; null when the cube has none of that id. */
  get(identity: CubeIdentity, skillId: string): Promise<Skill | null>;
  /** Installs (or upgrades) a listing's skill: the same listing version twice answers the one skill. */
  install(identity: CubeIdentity, draft: SkillDraft, hub: NonNullable<Skill["hub"]>, owner: { user_id: string | null; agent_id: string | null }, idempotency?: Idempotency): Promise<Skill>;
}

/** Skills through the cube objects; an installed skill is embedded here, so the cube's vector search finds it. */
export function cubeSkills(deps: Deps): HubSkills {
  return {
    get: async (identity, skillId) => unwrap(await deps.cube(identity).getSkill(identity, skillId, "read")),
    install: async (identity, draft, hub, owner, idempotency) => {
      const [vector] = await deps.embedder.embed([skillText(draft)]);
      return unwrap(await deps.cube(identity).installSkill(identity, draft, hub, idempotency, { embedder: deps.embedder.id, vector: vector ?? null, ...owner }));
    },
  };
}
