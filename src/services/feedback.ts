// The feedback flow: a natural-language correction of memories, judged (LLM or rules) in the
// Worker and applied by the cube as versions with reason `feedback`.
import { ApiError } from "../errors";
import type { Idempotency } from "../memory/cube-contract";
import { feedbackToCandidate } from "../memory/feedback";
import { decideByRules } from "../memory/dedup/judge-rules";
import { LlmJudge } from "../memory/dedup/judge-llm";
import type { JudgeDecision } from "../memory/dedup/judge";
import type { Memory } from "../memory/types";
import { unwrap } from "./cubes";
import { assertVisible, reachCube, type Principal } from "./access";
import type { Deps } from "./deps";
import { embedUpdate, prepareMemories } from "./prepare";
import { locateMemory } from "./memory-catalog";
import { targetCubeId as targetOf } from "./access";
import { maskForCube } from "./privacy";

export interface Correction {
  memory_id?: string | undefined;
  memory_ids?: string[] | undefined;
  correction: string;
  author?: string | undefined;
  user_id?: string | undefined;
  cube_id?: string | undefined;
}

/** Applies a correction to the memories it names; the answer (decision included) is the cube's, so a retry replays it. */
export async function applyCorrection(deps: Deps, who: Principal, body: Correction, idempotency: Idempotency | undefined): Promise<{ decision: JudgeDecision; judge: string; memories: Memory[] }> {
  const ids = body.memory_ids ?? [body.memory_id as string];
  const hinted = body.cube_id !== undefined || body.user_id !== undefined;
  const cubeId = hinted ? targetOf(body) : await locateMemory(deps, who.tenant_id, ids[0] as string);
  if (!cubeId) throw new ApiError("not_found", `memory ${ids[0]} not found`);
  const reach = await reachCube(deps, who, { cube_id: cubeId }, "write");
  const { identity } = reach;
  const cube = deps.cube(identity);
  const targets: Memory[] = [];
  for (const id of ids) {
    const memory = unwrap(await cube.getMemory(identity, id));
    assertVisible(reach, memory);
    targets.push(memory);
  }
  const first = targets[0] as Memory;
  // The judge (a model, with an LLM) and the embedder see the correction desensitized, as the cube stores it.
  const [correction = body.correction] = await maskForCube(cube, identity, [body.correction], deps.piiFinder);

  const { candidate } = feedbackToCandidate(first, correction, { now: Date.now(), author: body.author ?? null });
  const { llm } = deps;
  const decision = llm ? await new LlmJudge(llm).decide(candidate, targets) : decideByRules(candidate, targets);
  const versions = Object.fromEntries(targets.map((m) => [m.id, m.version]));
  const { items, embedder } = await prepareMemories(deps.embedder, [
    { user_id: first.user_id, agent_id: first.agent_id, session_id: first.session_id, text: candidate.text, type: candidate.type, tags: first.tags, entities: candidate.entities, metadata: { feedback: correction }, importance: candidate.importance, event_time: candidate.event_time, source_message_ids: candidate.source_message_ids },
  ]);
  const update = await embedUpdate(deps.embedder, decision, candidate.text);
  const result = unwrap(
    await cube.applyFeedback({ identity, item: items[0], decision: { decision, versions, ...(update ? { update } : {}) }, embedder, source: "feedback", judge: llm ? llm.id : "rules", idempotency }),
  );
  return { decision: result.decision, judge: result.judge, memories: result.memories };
}
