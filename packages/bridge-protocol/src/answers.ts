// Shapes of the gpu-bridge's answers: what the bridge builds, the Worker relays and documents.
import { z } from "zod";

/** What evicting a block did on the node: nothing sent (the server's LRU frees it), or the slot erased. */
export const blockRelease = z.enum(["forget", "erase_slot"]);
export type BlockRelease = z.infer<typeof blockRelease>;

/** A block as the bridge shows it: its content stays on the bridge, only its size travels. */
export const activationBlock = z.object({
  id: z.string(),
  cube_id: z.string(),
  memory_ids: z.array(z.string()),
  model: z.string(),
  node: z.string(),
  kind: z.enum(["text", "token_ids"]),
  tokens: z.number().int(),
  size_bytes: z.number().int(),
  hits: z.number().int(),
  pinned: z.boolean(),
  created_at: z.string(),
  last_used_at: z.string(),
});
export type ActivationBlock = z.infer<typeof activationBlock>;

export const blockList = z.object({ blocks: z.array(activationBlock) });
/** Registering or refreshing a block: the block, and the caller's own blocks evicted to make room for it (another cube's are not named). */
export const blockChange = z.object({ block: activationBlock, evicted: z.array(z.string()) });
export type BlockChange = z.infer<typeof blockChange>;

export const evictResult = z.object({
  evicted: z.string(),
  node: z.string(),
  /** Whether the node-side step of `release` succeeded. */
  released: z.boolean(),
  /** Null when the block's node is no longer configured on the bridge. */
  release: blockRelease.nullable(),
});
export type EvictResult = z.infer<typeof evictResult>;

export const adapterView = z.object({
  id: z.string(),
  cube_id: z.string(),
  name: z.string(),
  base_model: z.string(),
  source: z.string(),
  job_id: z.string().nullable(),
  created_at: z.string(),
  loaded_on: z.array(z.object({ node: z.string(), loaded_at: z.string(), last_used_at: z.string() })),
});
export type AdapterView = z.infer<typeof adapterView>;

export const adapterList = z.object({ adapters: z.array(adapterView) });
export const adapterAnswer = z.object({ adapter: adapterView });
export const adapterLoaded = z.object({ adapter: adapterView, node: z.string(), unloaded: z.array(z.string()) });
export type AdapterLoaded = z.infer<typeof adapterLoaded>;
export const adapterUnloaded = z.object({ adapter: adapterView, unloaded_from: z.array(z.string()) });
export type AdapterUnloaded = z.infer<typeof adapterUnloaded>;
/** DELETE /v1/adapters/:name: unloaded from every node that held it, then gone from the registry. */
export const adapterDeleted = z.object({ deleted: z.string(), unloaded_from: z.array(z.string()) });
export type AdapterDeleted = z.infer<typeof adapterDeleted>;

export const jobState = z.enum(["queued", "running", "succeeded", "failed"]);
export type JobState = z.infer<typeof jobState>;

export const trainingJob = z.object({
  id: z.string(),
  cube_id: z.string(),
  adapter_name: z.string(),
  base_model: z.string(),
  state: jobState,
  error: z.string().nullable(),
  adapter: adapterView.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type TrainingJob = z.infer<typeof trainingJob>;
export const jobAnswer = z.object({ job: trainingJob });

export const usage = z.object({
  prompt_tokens: z.number().int().nullable(),
  completion_tokens: z.number().int().nullable(),
  /** Prompt tokens the node served from its cache; null when the node does not report it. */
  cached_tokens: z.number().int().nullable(),
});
export type Usage = z.infer<typeof usage>;

/** POST /v1/generate: the `start` event, and the head of a non-streamed answer. */
export const generateStart = z.object({ node: z.string(), model: z.string(), blocks: z.array(z.string()), adapter: z.string().nullable() });
export type GenerateStart = z.infer<typeof generateStart>;

/** POST /v1/generate: the `done` event, and the tail of a non-streamed answer. */
export const generateSummary = z.object({
  finish_reason: z.string().nullable(),
  usage,
  /** Whether the prompt's prefix came from the KV cache. */
  cache_hit: z.boolean(),
  /** "node" when the inference server reported cached tokens, "registry" when the bridge inferred it. */
  cache_source: z.enum(["node", "registry"]),
  ttft_ms: z.number().nullable(),
});
export type GenerateSummary = z.infer<typeof generateSummary>;
