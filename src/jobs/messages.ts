// Queue message bodies. A message names a job; the job's data stays in its cube.
import type { CubeIdentity } from "../memory/cube-contract";

export interface ExtractJobMessage {
  kind: "extract";
  job_id: string;
  identity: CubeIdentity;
}

/** The skill run (Mem2Skill) of an extraction job that succeeded: the same job id, its own queue message. */
export interface SkillJobMessage {
  kind: "skill";
  job_id: string;
  identity: CubeIdentity;
}

export type JobMessage = ExtractJobMessage | SkillJobMessage;
