// Runs one extraction job: raw messages from the cube → candidates → embeddings → organized by the cube.
import type { ExternalDecisionInput, JobRecord, NewMemory } from "../memory/cube-contract";
import type { CandidateMemory } from "../memory/types";
import { unwrap } from "../services/cubes";
import type { Deps } from "../services/deps";
import { embedUpdate, prepareMemories } from "../services/prepare";
import { LlmJudge } from "../memory/dedup/judge-llm";
import type { ExtractJobMessage } from "./messages";
import { extractCandidates } from "./extract";
import { fitCandidates } from "../memory/candidate-limits";
import type { LLM } from "../providers/llm";
import type { Memory } from "../memory/types";

function toCandidate(item: NewMemory): CandidateMemory {
  return { text: item.text, type: item.type, entities: item.entities, importance: item.importance, event_time: item.event_time, source_message_ids: item.source_message_ids, tags: item.tags };
}

/** Fine mode: the LLM judges the conflicts the cube found; the cube applies them if nothing changed meanwhile. */
async function judgeWithLlm(deps: Deps, llm: LLM, plan: Array<{ index: number; neighbours: Memory[] }>, items: NewMemory[]): Promise<ExternalDecisionInput[]> {
  const judge = new LlmJudge(llm);
  const out: ExternalDecisionInput[] = [];
  for (const p of plan) {
    const item = items[p.index];
    if (!item) continue;
    const decision = await judge.decide(toCandidate(item), p.neighbours);
    const versions = Object.fromEntries(p.neighbours.map((n) => [n.id, n.version]));
    const update = await embedUpdate(deps.embedder, decision, item.text);
    out.push({ index: p.index, decision, versions, ...(update ? { update } : {}) });
  }
  return out;
}

/**
 * Idempotent: a job that already succeeded is returned as it is. Throws on failure so the
 * queue retries it; the cube records each failed attempt.
 */
export async function runExtractJob(deps: Deps, msg: ExtractJobMessage): Promise<JobRecord> {
  const cube = deps.cube(msg.identity);
  const input = unwrap(await cube.startJob(msg.identity, msg.job_id));
  if (input.job.state === "succeeded") return input.job;
  const llm = input.job.mode === "fine" ? deps.llm : null;
  let t = performance.now();
  const extracted = await extractCandidates(input.job.mode, input.messages, llm);
  const { detail } = extracted;
  const { candidates, skipped } = fitCandidates(extracted.candidates);
  if (skipped.length) detail.skipped = skipped.slice(0, 20).map((s) => s.reason);
  const timings: Record<string, number> = { extract: performance.now() - t };
  const sessionOf = new Map(input.messages.map((m) => [m.id, m.session_id]));
  const timeOf = new Map(input.messages.map((m) => [m.id, m.timestamp]));
  const { options } = input;
  const drafts = candidates.map((c) => ({
    user_id: options.user_id,
    agent_id: options.agent_id,
    session_id: options.session_id ?? sessionOf.get(c.source_message_ids[0] ?? "") ?? null,
    text: c.text,
    type: c.type,
    tags: [...new Set([...options.tags, ...(c.tags ?? [])])],
    entities: c.entities,
    metadata: options.metadata,
    importance: c.importance,
    event_time: c.event_time,
    // Said at the latest of its source messages: that is when it became known to hold.
    valid_from: Math.max(...c.source_message_ids.map((id) => timeOf.get(id) ?? 0)) || null,
    source_message_ids: c.source_message_ids,
  }));
  t = performance.now();
  const { items, embedder } = drafts.length ? await prepareMemories(deps.embedder, drafts) : { items: [], embedder: deps.embedder.id };
  timings.embed = performance.now() - t;
  let decisions: ExternalDecisionInput[] = [];
  if (llm && items.length) {
    const plan = unwrap(await cube.planJob(msg.identity, embedder, items));
    decisions = await judgeWithLlm(deps, llm, plan, items);
    detail.judge = llm.id;
  }
  t = performance.now();
  const done = unwrap(await cube.completeJob({ identity: msg.identity, job_id: msg.job_id, embedder, items, decisions, detail: { ...detail, timings_ms: timings } }));
  // The cube's share is known only after it answered; it is logged, not stored, to keep the job record as committed.
  console.log(JSON.stringify({ level: "info", job_id: msg.job_id, candidates: items.length, ...timings, organize: performance.now() - t }));
  return done;
}

/**
 * A job run inside the request (`sync: true`): a failure marks the job failed for good, since no
 * queue will retry it, and then answers the request with the error. Sending the same messages
 * again runs them again (a failed job's messages are not replays).
 */
export async function runSyncJob(deps: Deps, msg: ExtractJobMessage): Promise<JobRecord> {
  try {
    return await runExtractJob(deps, msg);
  } catch (err) {
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    await deps.cube(msg.identity).failJob(msg.identity, msg.job_id, reason, true);
    throw err;
  }
}
