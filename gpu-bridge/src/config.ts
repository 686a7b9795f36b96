// Bridge configuration: environment variables plus a JSON file listing the GPU nodes.
import { readFileSync } from "node:fs";
import { z } from "zod";

export const BACKEND_KINDS = ["vllm", "sglang", "llamacpp"] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

const nodeSchema = z.object({
  /** Stable name used in the registry; renaming a node orphans its rows. */
  id: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/),
  backend: z.enum(BACKEND_KINDS),
  /** Base URL of the inference server, e.g. http://127.0.0.1:8000 (no trailing /v1). */
  url: z.url(),
  /** Model names this node serves; the first is the default. */
  models: z.array(z.string().min(1)).min(1),
  /** Bytes of KV cache the bridge may fill with activation blocks on this node. */
  budget_bytes: z.number().int().positive(),
  /**
   * Bytes of the node's whole prefix cache, when known (vLLM: its KV cache capacity). With it the
   * bridge keeps blocks within `cache_bytes × (1 − conversation_share)` as well, and re-warms a
   * resident block before the prompts it forwarded since the block's last use could have pushed
   * it out of the node's LRU; without it neither (the cubes' own keep-warm cadence alone).
   */
  cache_bytes: z.number().int().positive().optional(),
  /**
   * With `cache_bytes`: the share of the node's cache left to the conversations' own KV. "auto"
   * (the default) sizes it from the traffic the bridge forwards (see `conversationShare`).
   */
  conversation_share: z.union([z.number().min(0).max(0.9), z.literal("auto")]).default("auto"),
  /** KV bytes per token of the served model: 2 x layers x kv_heads x head_dim x dtype bytes. */
  kv_bytes_per_token: z.number().int().positive().default(131072),
  /** Most adapters loaded at once; least recently used is unloaded first. */
  max_loaded_adapters: z.number().int().min(0).default(4),
  /** Bearer token of the inference server (--api-key), if it has one. */
  api_key: z.string().optional(),
  /** llama.cpp only: the slot used to prepare and restore blocks. */
  slot_id: z.number().int().min(0).default(0),
  /** llama.cpp only: how /completion prompts are rendered from messages (the model's template). */
  chat_format: z.enum(["chatml", "llama3", "plain"]).default("chatml"),
});
export type NodeConfig = z.infer<typeof nodeSchema>;

export const nodesFileSchema = z
  .object({ nodes: z.array(nodeSchema).min(1) })
  .refine((f) => new Set(f.nodes.map((n) => n.id)).size === f.nodes.length, { message: "node ids must be unique" });

export interface TrainerConfig {
  /** Shell-free command: argv[0] and its arguments; the job spec path is appended. */
  command?: string[];
  /** HTTP endpoint that accepts a job spec and later calls back /v1/training-jobs/:id/complete. */
  url?: string;
  token?: string;
  timeoutMs: number;
}

export interface BridgeConfig {
  secret: string;
  host: string;
  port: number;
  dbPath: string;
  nodes: NodeConfig[];
  maxSkewMs: number;
  upstreamTimeoutMs: number;
  /** Serve /metrics without a signature (for a Prometheus scraper on a private network). */
  metricsPublic: boolean;
  trainer: TrainerConfig;
  /** Where the trainer command's job specs are written. */
  workDir: string;
}

export function parseNodes(json: unknown): NodeConfig[] {
  const parsed = nodesFileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`invalid nodes file: ${z.prettifyError(parsed.error)}`);
  return parsed.data.nodes;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

/**
 * Reads the configuration once at start. Throws (so the process exits) when the secret is
 * missing or short: an unsigned bridge would hand GPU memory to anyone who can reach it.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const secret = env.BRIDGE_SECRET ?? "";
  if (secret.length < 32) throw new Error("BRIDGE_SECRET is required (at least 32 characters); refusing to start");
  const nodesFile = env.BRIDGE_NODES_FILE;
  if (!nodesFile) throw new Error("BRIDGE_NODES_FILE is required (JSON file listing the GPU nodes)");
  const nodes = parseNodes(JSON.parse(readFileSync(nodesFile, "utf8")) as unknown);
  const command = env.TRAINER_COMMAND ? (JSON.parse(env.TRAINER_COMMAND) as unknown) : undefined;
  if (command !== undefined && (!Array.isArray(command) || !command.every((a) => typeof a === "string") || command.length === 0)) {
    throw new Error('TRAINER_COMMAND must be a JSON array of strings, e.g. ["python","train.py"]');
  }
  return {
    secret,
    host: env.BRIDGE_HOST ?? "127.0.0.1",
    port: int(env, "BRIDGE_PORT", 8790),
    dbPath: env.BRIDGE_DB_PATH ?? "./data/bridge.sqlite",
    nodes,
    maxSkewMs: int(env, "BRIDGE_MAX_SKEW_MS", 60_000),
    upstreamTimeoutMs: int(env, "BRIDGE_UPSTREAM_TIMEOUT_MS", 30_000),
    metricsPublic: env.BRIDGE_METRICS_PUBLIC === "1",
    trainer: {
      ...(command ? { command: command as string[] } : {}),
      ...(env.TRAINER_URL ? { url: env.TRAINER_URL } : {}),
      ...(env.TRAINER_TOKEN ? { token: env.TRAINER_TOKEN } : {}),
      timeoutMs: int(env, "TRAINER_TIMEOUT_MS", 6 * 60 * 60 * 1000),
    },
    workDir: env.BRIDGE_WORK_DIR ?? "./data/jobs",
  };
}
