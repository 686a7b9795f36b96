// Request schemas of the gpu-bridge's routes, strict: an unknown field is refused, never ignored.
//
// Each cube-scoped route has two forms. The `…Body` schema is what a caller sends for one cube
// (the Worker validates its GPU routes with it); the `…Request` schema is the same fields plus
// `tenant_id` and `cube_id`, which the Worker fills after authorizing: what the bridge receives.
import { z } from "zod";

const scopeId = z.string().min(1).max(200);
/**
 * Tenant and cube of a request. Cube ids are not unique across tenants, so every cube-scoped
 * request names both; also the query of the GET and DELETE routes.
 */
export const cubeScope = z.strictObject({ tenant_id: scopeId, cube_id: scopeId });
export type BridgeScope = z.infer<typeof cubeScope>;

export const nodeId = z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/);
export const adapterName = z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, "letters, digits, _ . - (1 to 64)");
const modelName = z.string().min(1).max(200);

/** Where an adapter's weights are: a path on the node, or an object-store / HTTP URL the inference server can fetch. */
export const adapterSource = z
  .string()
  .min(1)
  .max(2000)
  .refine((s) => s.startsWith("/") || /^(s3|gs|https?|hf):\/\//.test(s) || /^[\w.-]+(\/[\w.-]+)*$/.test(s), {
    message: "an absolute path, a relative file name, or an s3://, gs://, http(s):// or hf:// URL",
  })
  .refine((s) => !s.split("/").includes(".."), { message: "must not contain .." });

/**
 * How much the block is wanted, as its cube measures it: the decayed access score of the user it
 * serves, and the half-life it decays with. The bridge ranks every block of a node by heat per
 * byte (clamped, and within each tenant's fair share first); without heat a block ranks by
 * recency alone.
 */
const heatFields = {
  heat: z.number().min(0).max(1e9).optional(),
  half_life_ms: z.number().int().min(60_000).max(366 * 24 * 3_600_000).optional(),
};

// POST /v1/activation: register a block and warm it on a node.
const blockFields = {
  ...heatFields,
  /** The caller's block this one replaces (a new render of it): not ranked against it, evicted once this one is in. */
  replaces: z.string().min(1).max(100).optional(),
  memory_ids: z.array(z.string().min(1).max(200)).max(1000).default([]),
  text: z.string().min(1).max(2_000_000).optional(),
  token_ids: z.array(z.number().int().min(0)).min(1).max(500_000).optional(),
  model: modelName.optional(),
  node: nodeId.optional(),
  pinned: z.boolean().optional(),
};
const oneContent = (b: { text?: string | undefined; token_ids?: number[] | undefined }) => (b.text === undefined) !== (b.token_ids === undefined);
const oneContentMessage = { message: "give exactly one of text or token_ids" };
export const registerBlockBody = z.strictObject(blockFields).refine(oneContent, oneContentMessage);
export const registerBlockRequest = cubeScope.extend(blockFields).refine(oneContent, oneContentMessage);
export type RegisterBlockBody = z.output<typeof registerBlockBody>;
export type RegisterBlockRequest = z.output<typeof registerBlockRequest>;

// POST /v1/activation/:id/refresh: warm again, optionally change pinning.
const refreshFields = { pinned: z.boolean().optional(), ...heatFields };
export const refreshBlockBody = z.strictObject(refreshFields);
export const refreshBlockRequest = cubeScope.extend(refreshFields);

// POST /v1/adapters: register a LoRA adapter.
const adapterFields = { name: adapterName, base_model: modelName, source: adapterSource };
export const registerAdapterBody = z.strictObject(adapterFields);
export const registerAdapterRequest = cubeScope.extend(adapterFields);
export type RegisterAdapterBody = z.output<typeof registerAdapterBody>;
export type RegisterAdapterRequest = z.output<typeof registerAdapterRequest>;

// POST /v1/adapters/:name/load and /unload: on a named node, or wherever the bridge picks.
const placeFields = { node: nodeId.optional() };
export const placeAdapterBody = z.strictObject(placeFields);
export const placeAdapterRequest = cubeScope.extend(placeFields);

// POST /v1/training-jobs: hand memory texts to the trainer.
const trainFields = {
  adapter_name: adapterName,
  base_model: modelName,
  dataset: z.strictObject({ texts: z.array(z.string().min(1).max(100_000)).min(1).max(100_000) }),
  hyperparameters: z.record(z.string().max(64), z.union([z.number(), z.string().max(200), z.boolean()])).default({}),
};
export const trainBody = z.strictObject(trainFields);
export const trainRequest = cubeScope.extend(trainFields);
/** What a caller may pass: `hyperparameters` may be left out (the bridge reads it as `{}`). */
export type TrainBody = z.input<typeof trainBody>;
export type TrainRequest = z.output<typeof trainRequest>;

/** POST /v1/training-jobs/:id/complete: an HTTP trainer's callback (signed, not cube-scoped). */
export const completeJobRequest = z.strictObject({
  status: z.enum(["succeeded", "failed"]),
  adapter_path: adapterSource.optional(),
  error: z.string().max(2000).optional(),
});
export type CompleteJobRequest = z.output<typeof completeJobRequest>;

/** One turn of a conversation sent to POST /v1/generate. */
export const chatMessage = z.strictObject({ role: z.enum(["system", "user", "assistant"]), content: z.string().max(1_000_000) });
export type ChatMessage = z.output<typeof chatMessage>;

/** POST /v1/generate: the blocks' text is the prompt's prefix; streamed as SSE unless `stream` is false. */
export const generateRequest = cubeScope.extend({
  messages: z.array(chatMessage).min(1).max(500),
  block_ids: z.array(z.string().min(1).max(100)).max(32).default([]),
  /** The blocks' user's heat now, as their cube measures it: each use keeps the bridge's ranking current between refreshes. */
  heat: z.number().min(0).max(1e9).optional(),
  adapter: adapterName.optional(),
  model: modelName.optional(),
  max_tokens: z.number().int().min(1).max(32_768).default(256),
  temperature: z.number().min(0).max(2).default(0.7),
  stream: z.boolean().default(true),
});
export type GenerateRequest = z.output<typeof generateRequest>;
