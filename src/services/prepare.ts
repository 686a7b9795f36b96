// Turns texts into cube-ready memories: normalized hash and embedding, computed in the Worker.
import type { NewMemory } from "../memory/cube-contract";
import type { MemoryType, Metadata, Scope } from "../memory/types";
import { contentHash } from "../memory/text";
import type { Embedder } from "../providers/embedder";
import type { JudgeDecision } from "../memory/dedup/judge";

export interface DraftMemory extends Scope {
  text: string;
  type: MemoryType;
  tags: string[];
  entities: string[];
  metadata: Metadata;
  importance: number;
  event_time: number | null;
  /** When it was said or became true; defaults to event_time, then the time of the write. */
  valid_from?: number | null;
  source_message_ids: string[];
  /** When it expires (ms), null for never; undefined: the cube's policy decides. */
  expires_at?: number | null | undefined;
}

export async function prepareMemories(embedder: Embedder, drafts: DraftMemory[]): Promise<{ items: NewMemory[]; embedder: string }> {
  const [vectors, hashes] = await Promise.all([
    embedder.embed(drafts.map((d) => d.text)),
    Promise.all(drafts.map((d) => contentHash(d.text))),
  ]);
  return {
    embedder: embedder.id,
    items: drafts.map((d, i) => ({ ...d, valid_from: d.valid_from ?? null, hash: hashes[i] as string, vector: vectors[i] ?? null })),
  };
}

/**
 * The hash and vector of the text a judge's UPDATE writes, when it differs from the candidate's
 * (which `prepareMemories` already embedded); undefined when nothing needs embedding again.
 */
export async function embedUpdate(embedder: Embedder, decision: JudgeDecision, candidateText: string): Promise<{ hash: string; vector: Float32Array | null } | undefined> {
  if (decision.action !== "UPDATE" || decision.text === candidateText) return undefined;
  const [vector] = await embedder.embed([decision.text]);
  return { hash: await contentHash(decision.text), vector: vector ?? null };
}
