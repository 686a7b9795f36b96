// Runs one extraction job: read raw messages from the cube, extract, embed, hand results back.
import type { Env } from "../env";
import type { JobRecord } from "../memory/cube-contract";
import type { RawMessage } from "../memory/types";
import { cubeStub, unwrap } from "../services/cubes";
import { prepareMemories, type DraftMemory } from "../services/prepare";
import type { ExtractJobMessage } from "./messages";

/** Each raw message stored as one memory: the fallback when no extractor applies. */
function rawDrafts(messages: RawMessage[], tags: string[], metadata: Record<string, unknown>): DraftMemory[] {
  return messages.map((m) => ({
    user_id: m.user_id,
    agent_id: m.agent_id,
    session_id: m.session_id,
    text: m.name ? `${m.name}: ${m.content}` : m.content,
    type: "message",
    tags,
    entities: m.name ? [m.name] : [],
    metadata: { ...metadata, role: m.role },
    importance: 0.5,
    event_time: m.timestamp,
    source_message_ids: [m.id],
  }));
}

/**
 * Idempotent: a job that already succeeded is returned as it is. Throws on failure so the
 * queue retries it; the cube records each failed attempt.
 */
export async function runExtractJob(env: Env, msg: ExtractJobMessage): Promise<JobRecord> {
  const cube = cubeStub(env, msg.identity);
  const input = unwrap(await cube.startJob(msg.identity, msg.job_id));
  if (input.job.state === "succeeded") return input.job;
  const drafts = rawDrafts(input.messages, input.options.tags, input.options.metadata);
  const { items, embedder } = await prepareMemories(env, drafts);
  return unwrap(await cube.completeJob(msg.identity, msg.job_id, embedder, items));
}
