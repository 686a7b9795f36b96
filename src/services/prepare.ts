// Turns texts into cube-ready memories: normalized hash and embedding, computed in the Worker.
import type { Env } from "../env";
import type { NewMemory } from "../memory/cube-contract";
import type { MemoryType, Metadata, Scope } from "../memory/types";
import { contentHash } from "../memory/text";
import { getEmbedder } from "./providers";

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
}

export async function prepareMemories(env: Env, drafts: DraftMemory[]): Promise<{ items: NewMemory[]; embedder: string }> {
  const embedder = getEmbedder(env);
  const [vectors, hashes] = await Promise.all([
    embedder.embed(drafts.map((d) => d.text)),
    Promise.all(drafts.map((d) => contentHash(d.text))),
  ]);
  return {
    embedder: embedder.id,
    items: drafts.map((d, i) => ({ ...d, valid_from: d.valid_from ?? null, hash: hashes[i] as string, vector: vectors[i] ?? null })),
  };
}
