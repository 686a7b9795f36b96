// The RPC contract between the Worker and a cube object: request shapes, validated on both sides.
import { z } from "zod";
import { MEMORY_STATES, MEMORY_TYPES, type Memory, type MemoryState } from "./types";
import type { ErrorCode } from "../errors";
import { MODEL_PII_TYPES } from "../governance/pii/model-detect";

export const LIMITS = {
  textChars: 16_000,
  itemsPerAdd: 500,
  messagesPerAdd: 1_000,
  tags: 32,
  tagChars: 64,
  metadataBytes: 16_384,
  topK: 100,
  listLimit: 200,
  queryChars: 2_000,
  /** A user, agent, session or cube id given by a caller. */
  idChars: 128,
  entities: 64,
  entityChars: 200,
} as const;

/** A user's cube is `user:<user_id>`; its id is this much longer than the longest user id. */
export const USER_CUBE_PREFIX = "user:";

/** Text a memory or message may hold: not empty, not only whitespace. */
export const textSchema = (max: number = LIMITS.textChars) =>
  z.string().min(1).max(max).refine((s) => s.trim().length > 0, "must not be blank");

const float32 = z.custom<Float32Array>((v) => v instanceof Float32Array, "expected a Float32Array");

const ID_CHARS = /^[A-Za-z0-9:_\-.@]+$/;
const idPart = z.string().min(1).max(LIMITS.idChars).regex(ID_CHARS, "letters, digits and : _ - . @ only");
/** user_id, agent_id, session_id, and the id of a cube created by name: one limit for the API and the cube. */
export const scopeIdSchema = idPart;
/** Any cube id, a user's (`user:` + a user id) included. */
export const cubeIdSchema = z
  .string()
  .min(1)
  .max(USER_CUBE_PREFIX.length + LIMITS.idChars)
  .regex(ID_CHARS, "letters, digits and : _ - . @ only");

/** Who sends a call, for the cube's audit log: the API key and the request. Never part of the cube's stored identity. */
export const actorSchema = z.object({ key_id: z.string().min(1).max(200), request_id: z.string().max(200).nullable() }).strict();
export const identitySchema = z.object({ tenant_id: z.string().min(1), cube_id: cubeIdSchema, actor: actorSchema.optional() }).strict();
export type CubeIdentity = z.infer<typeof identitySchema>;

const scopeFields = {
  user_id: idPart.nullable(),
  agent_id: idPart.nullable(),
  session_id: idPart.nullable(),
};

const tags = z.array(z.string().min(1).max(LIMITS.tagChars)).max(LIMITS.tags);
const metadata = z
  .record(z.string(), z.unknown())
  .refine((m) => JSON.stringify(m).length <= LIMITS.metadataBytes, `metadata is larger than ${LIMITS.metadataBytes} bytes`);

export const newMemorySchema = z
  .object({
    ...scopeFields,
    text: textSchema(),
    type: z.enum(MEMORY_TYPES),
    tags,
    entities: z.array(z.string().max(LIMITS.entityChars)).max(LIMITS.entities),
    metadata,
    importance: z.number().min(0).max(1),
    event_time: z.number().int().nullable(),
    /** When the memory became true or was said (its source message's time); defaults to event_time, then now. */
    valid_from: z.number().int().nullable().default(null),
    source_message_ids: z.array(z.string()).max(1_000),
    hash: z.string().length(64),
    vector: float32.nullable(),
    /** When it expires (ms), null for never; absent: the cube's lifecycle policy decides by type. */
    expires_at: z.number().int().nullable().optional(),
  })
  .strict();
export type NewMemory = z.infer<typeof newMemorySchema>;

/** Spans a model found in one text (names, addresses), passed by the Worker with the text; the cube checks the bounds. */
/** The most names and addresses a model may mark in one text (the Worker refuses a text with more, the cube checks again). */
export const MODEL_SPANS_PER_TEXT = 500;
export const modelSpansSchema = z.array(z.object({ type: z.enum(MODEL_PII_TYPES), start: z.number().int().min(0), end: z.number().int().min(1) }).strict()).max(MODEL_SPANS_PER_TEXT);

export const idempotencySchema = z.object({ key: z.string().min(1).max(255), request_hash: z.string() }).strict();
export type Idempotency = z.infer<typeof idempotencySchema>;

export const addMemoriesSchema = z
  .object({
    identity: identitySchema,
    embedder: z.string(),
    items: z.array(newMemorySchema).min(1).max(LIMITS.itemsPerAdd),
    idempotency: idempotencySchema.optional(),
  })
  .strict();
export type AddMemoriesRequest = z.infer<typeof addMemoriesSchema>;

export const newMessageSchema = z
  .object({
    ...scopeFields,
    role: z.enum(["user", "assistant", "system", "tool"]),
    name: z.string().max(128).nullable(),
    content: textSchema(),
    timestamp: z.number().int(),
    /** An assistant message's tool calls, in the chat shape (arguments: the model's JSON text); read by the skill job. */
    tool_calls: z
      .array(z.object({ id: z.string().min(1).max(200), name: z.string().min(1).max(128), arguments: z.string().max(8_192) }).strict())
      .max(32)
      .optional(),
    /** A tool message's answer to this call. */
    tool_call_id: z.string().min(1).max(200).nullable().optional(),
  })
  .strict();
export type NewMessage = z.infer<typeof newMessageSchema>;

export const EXTRACTION_MODES = ["fast", "fine", "raw"] as const;
export type ExtractionMode = (typeof EXTRACTION_MODES)[number];

export const jobOptionsSchema = z
  .object({ tags, metadata, ...scopeFields })
  .strict();
export type JobOptions = z.infer<typeof jobOptionsSchema>;

export const addMessagesSchema = z
  .object({
    identity: identitySchema,
    job_id: z.string().min(1),
    mode: z.enum(EXTRACTION_MODES),
    options: jobOptionsSchema,
    messages: z.array(newMessageSchema).min(1).max(LIMITS.messagesPerAdd),
    /** Names and addresses a configured model found, per message content (offsets into it). */
    pii_spans: z.array(modelSpansSchema).max(LIMITS.messagesPerAdd).optional(),
    idempotency: idempotencySchema.optional(),
  })
  .strict();
export type AddMessagesRequest = z.infer<typeof addMessagesSchema>;

const reason = z.string().max(2_000);
const targetId = z.string().min(1).max(200);
export const judgeDecisionSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("ADD"), reason }).strict(),
  z.object({ action: z.literal("UPDATE"), target_id: targetId, text: z.string().min(1).max(LIMITS.textChars), reason }).strict(),
  z.object({ action: z.literal("SUPERSEDE"), target_id: targetId, reason }).strict(),
  z.object({ action: z.literal("DELETE"), target_id: targetId, reason }).strict(),
  z.object({ action: z.literal("NOOP"), target_id: targetId, reason }).strict(),
]);

/** A judge's decision reached in the Worker (LLM), for candidate `index` of a batch. */
export const externalDecisionSchema = z
  .object({
    index: z.number().int().min(0),
    decision: judgeDecisionSchema,
    versions: z.record(z.string(), z.number().int()),
    update: z.object({ hash: z.string().length(64), vector: float32.nullable() }).strict().optional(),
  })
  .strict();
export type ExternalDecisionInput = z.infer<typeof externalDecisionSchema>;

export const completeJobSchema = z
  .object({
    identity: identitySchema,
    job_id: z.string().min(1),
    embedder: z.string(),
    /** Candidates, each validated on its own: one the cube refuses is skipped with its reason, never failing the batch. */
    items: z.array(z.unknown()).max(20_000),
    decisions: z.array(externalDecisionSchema).max(20_000).default([]),
    detail: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type CompleteJobRequest = z.input<typeof completeJobSchema>;

export const feedbackSchema = z
  .object({
    identity: identitySchema,
    item: newMemorySchema,
    decision: externalDecisionSchema.omit({ index: true }),
    embedder: z.string(),
    source: z.string().max(300),
    /** Who decided (the LLM's id, or "rules"); kept in the answer so that a retry reports it too. */
    judge: z.string().max(200).default("rules"),
    idempotency: idempotencySchema.optional(),
  })
  .strict();
/** Arguments of the cube's positional RPC methods, checked like the object-shaped ones. */
const recordId = z.string().min(1).max(200);
export const positionalArgs = {
  byId: z.tuple([identitySchema, recordId]),
  /** Ids read in one call (a page of the job list, in parts of at most LIMITS.listLimit). */
  byIds: z.tuple([identitySchema, z.array(recordId).max(LIMITS.listLimit)]),
  planJob: z.tuple([identitySchema, z.string().min(1).max(200), z.array(z.unknown()).max(20_000)]),
  entities: z.tuple([identitySchema, z.number().int().min(1).max(500), z.string().max(100).nullable()]),
  failJob: z.tuple([identitySchema, recordId, z.string().max(10_000), z.boolean()]),
  deleteMemory: z.tuple([identitySchema, recordId, idempotencySchema.optional()]),
  deleteScope: z.tuple([identitySchema, z.unknown(), idempotencySchema.optional()]),
} as const;

export type FeedbackRequest = z.input<typeof feedbackSchema>;

export const memoryFilterSchema = z
  .object({
    user_id: idPart.optional(),
    agent_id: idPart.optional(),
    /** Only memories of no agent or of these agents (a key limited to agents). */
    visible_agents: z.array(idPart).min(1).max(50).optional(),
    session_id: idPart.optional(),
    tags: tags.optional(),
    types: z.array(z.enum(MEMORY_TYPES)).max(MEMORY_TYPES.length).optional(),
    state: z.enum(MEMORY_STATES).optional(),
    created_after: z.number().int().optional(),
    created_before: z.number().int().optional(),
  })
  .strict();
export type MemoryFilter = z.infer<typeof memoryFilterSchema>;

export const listSchema = z
  .object({
    identity: identitySchema,
    filter: memoryFilterSchema,
    limit: z.number().int().min(1).max(LIMITS.listLimit),
    after_seq: z.number().int().nullable(),
  })
  .strict();
export type ListRequest = z.infer<typeof listSchema>;

/** A page of memories with their versions, oldest first (exports). */
export const exportSchema = z
  .object({
    identity: identitySchema,
    filter: memoryFilterSchema,
    limit: z.number().int().min(1).max(100),
    after_seq: z.number().int().nullable(),
  })
  .strict();
export type ExportRequest = z.infer<typeof exportSchema>;

export const updateSchema = z
  .object({
    identity: identitySchema,
    id: z.string().min(1),
    expected_version: z.number().int().nullable(),
    patch: z
      .object({
        text: textSchema().optional(),
        hash: z.string().length(64).optional(),
        vector: float32.optional(),
        type: z.enum(MEMORY_TYPES).optional(),
        tags: tags.optional(),
        metadata: metadata.optional(),
        importance: z.number().min(0).max(1).optional(),
        state: z.enum(["active", "archived"]).optional(),
        /** A new expiry (ms), or null to clear it. */
        expires_at: z.number().int().nullable().optional(),
      })
      .strict(),
    embedder: z.string(),
    reason: z.enum(["edit", "feedback", "archive", "restore"]),
    idempotency: idempotencySchema.optional(),
  })
  .strict();
export type UpdateRequest = z.infer<typeof updateSchema>;

/** The retrieval routes of a cube search; each returns its own ranked list. */
export const SEARCH_ROUTES = ["vector", "keyword", "entity", "time", "recency"] as const;
export type SearchRoute = (typeof SEARCH_ROUTES)[number];

const weight = z.number().min(0).max(10);
export const routeWeightsSchema = z
  .object({ vector: weight.optional(), keyword: weight.optional(), entity: weight.optional(), time: weight.optional(), recency: weight.optional() })
  .strict();
export type RouteWeights = z.infer<typeof routeWeightsSchema>;

/** Half-open [from, to) in ms; null on a side means open-ended. */
export const timeRangeSchema = z.object({ from: z.number().int().nullable(), to: z.number().int().nullable() }).strict();

export const searchSchema = z
  .object({
    identity: identitySchema,
    query: z.string().min(1).max(LIMITS.queryChars),
    vector: float32.nullable(),
    embedder: z.string(),
    filter: memoryFilterSchema,
    top_k: z.number().int().min(1).max(LIMITS.topK),
    /** Validity at this time (ms) instead of now: superseded versions valid then are searched. */
    as_of: z.number().int().optional(),
    /** Hard filter on when it happened (event time, else creation time). */
    time_range: timeRangeSchema.optional(),
    /** "Now" for relative dates in the query and for decay; default the real now. */
    reference_time: z.number().int().optional(),
    weights: routeWeightsSchema.optional(),
    /** Results scoring below this (0..1, normalized fused score) are dropped. */
    threshold: z.number().min(0).max(1).optional(),
    half_life_ms: z.number().int().positive().optional(),
    /** MMR trade-off: 1 is pure relevance; lower values favour diversity. */
    mmr_lambda: z.number().min(0).max(1).optional(),
    /** Vector route answered by the tenant's VectorIndex: memory ids with cosine, best first. */
    vector_hits: z.array(z.object({ id: z.string(), score: z.number() }).strict()).max(1_000).optional(),
    /** Count the returned memories as accessed (feeds heat); default true. */
    record_access: z.boolean().optional(),
  })
  .strict();
export type CubeSearchRequest = z.infer<typeof searchSchema>;

export interface ScoredMemory {
  memory: Memory;
  /** Normalized fused score in [0, 1]: 1 is first on every route, before decay. */
  score: number;
  score_breakdown: Record<string, number>;
}

export interface CubeSearchResult {
  results: ScoredMemory[];
  timings: Record<string, number>;
  candidates: number;
  /**
   * What the query was understood as: its date range (with the memory whose time anchors it, for
   * "before she moved") and the entities it names.
   */
  understood?: { time: { from: number | null; to: number | null; matched: string; anchor?: string } | null; entities: string[] };
}

export interface ListResult {
  memories: Memory[];
  next_seq: number | null;
}

export type JobState = "queued" | "running" | "succeeded" | "failed";

export interface JobRecord {
  id: string;
  kind: "extract";
  mode: ExtractionMode;
  state: JobState;
  attempts: number;
  error: string | null;
  result: { memory_ids: string[]; added: number; skipped: number; detail?: Record<string, unknown> } | null;
  message_ids: string[];
  created_at: number;
  updated_at: number;
}

export interface CubeError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** Errors do not cross an RPC boundary with their type intact, so cube methods return them. */
export type CubeResult<T> = { ok: true; value: T } | { ok: false; error: CubeError };

export const ok = <T>(value: T): CubeResult<T> => ({ ok: true, value });
export const fail = <T>(code: ErrorCode, message: string, details?: unknown): CubeResult<T> => ({
  ok: false,
  error: details === undefined ? { code, message } : { code, message, details },
});

export type { MemoryState };
