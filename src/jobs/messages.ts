// Queue message bodies. A message names a job; the job's data stays in its cube.
import type { CubeIdentity } from "../memory/cube-contract";

export interface ExtractJobMessage {
  kind: "extract";
  job_id: string;
  identity: CubeIdentity;
}

export type JobMessage = ExtractJobMessage;
