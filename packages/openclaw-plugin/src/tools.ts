// The agent's memory tools: memory_search, memory_get, memory_add, memory_delete, each one call to the service.
import { createHash } from "node:crypto";
import type { MemosPluginConfig } from "./config.ts";
import { ServiceError, type Memory, type Service } from "./service.ts";

export interface ToolResult {
  content: { type: "text"; text: string }[];
  details: unknown;
}

export interface MemoryTool {
  name: string;
  label: string;
  description: string;
  parameters: Record<string, unknown>;
  execute(toolCallId: string, params: Record<string, unknown>): Promise<ToolResult>;
}

const text = (t: string, details: unknown): ToolResult => ({ content: [{ type: "text", text: t }], details });

/** A service failure as a tool answer the model can read (never thrown into the turn). */
function failure(err: unknown): ToolResult {
  const e = err instanceof ServiceError ? err : new ServiceError("internal", err instanceof Error ? err.message : String(err));
  return text(`memos-edge error ${e.code}: ${e.message}`, { error: { code: e.code, message: e.message, ...(e.status ? { status: e.status } : {}) } });
}

function line(m: Memory, score?: number): string {
  const when = (m.event_time ?? m.created_at).slice(0, 10);
  return `- ${m.id} [${when}]${score === undefined ? "" : ` (score ${score.toFixed(2)})`}: ${m.text}`;
}

function stringParam(params: Record<string, unknown>, key: string, max: number): string {
  const v = params[key];
  if (typeof v !== "string" || v.trim().length === 0) throw new ServiceError("invalid_request", `${key} must be a non-empty string`);
  if (v.length > max) throw new ServiceError("invalid_request", `${key} must be at most ${max} characters`);
  return v;
}

export function memoryTools(cfg: MemosPluginConfig, service: Service): MemoryTool[] {
  return [
    {
      name: "memory_search",
      label: "Search memory",
      description: "Search the user's long-term memories in memos-edge. Returns the best matches with their ids.",
      parameters: {
        type: "object",
        additionalProperties: false,
        required: ["query"],
        properties: {
          query: { type: "string", minLength: 1, maxLength: 2000, description: "what to look for" },
          top_k: { type: "integer", minimum: 1, maximum: 100, description: `how many (default ${cfg.topK})` },
        },
      },
      async execute(_id, params) {
        try {
          const query = stringParam(params, "query", 2_000);
          const topK = typeof params.top_k === "number" && Number.isInteger(params.top_k) ? Math.min(100, Math.max(1, params.top_k)) : cfg.topK;
          const found = await service.search({ query, top_k: topK }, cfg.requestTimeoutMs);
          if (found.results.length === 0) return text("No memory matches.", { results: [] });
          return text(found.results.map((r) => line(r.memory, r.score)).join("\n"), {
            results: found.results.map((r) => ({ id: r.memory.id, text: r.memory.text, score: r.score })),
          });
        } catch (err) {
          return failure(err);
        }
      },
    },
    {
      name: "memory_get",
      label: "Get memory",
      description: "Read one of the user's memories by its id (as memory_search returns it).",
      parameters: {
        type: "object",
        additionalProperties: false,
        required: ["id"],
        properties: { id: { type: "string", minLength: 1, maxLength: 200, description: "memory id, mem_..." } },
      },
      async execute(_id, params) {
        try {
          const m = await service.get(stringParam(params, "id", 200));
          return text(line(m), { memory: m });
        } catch (err) {
          return failure(err);
        }
      },
    },
    {
      name: "memory_add",
      label: "Add memory",
      description: "Store one fact about the user in long-term memory, as given (no extraction).",
      parameters: {
        type: "object",
        additionalProperties: false,
        required: ["text"],
        properties: { text: { type: "string", minLength: 1, maxLength: 16000, description: "the fact, one self-contained sentence" } },
      },
      async execute(toolCallId, params) {
        try {
          const fact = stringParam(params, "text", 16_000);
          // The tool call's id keys the write: the same call retried is stored once.
          const key = `openclaw-tool-${createHash("sha256").update(`${toolCallId}\u0000${fact}`).digest("hex")}`;
          const added = await service.addText(fact, key);
          const stored = added.memories ?? [];
          return text(stored.length > 0 ? `Stored:\n${stored.map((m) => line(m)).join("\n")}` : "Stored.", { memories: stored.map((m) => ({ id: m.id, text: m.text })) });
        } catch (err) {
          return failure(err);
        }
      },
    },
    {
      name: "memory_delete",
      label: "Delete memory",
      description: "Delete one of the user's memories by its id (its text is erased).",
      parameters: {
        type: "object",
        additionalProperties: false,
        required: ["id"],
        properties: { id: { type: "string", minLength: 1, maxLength: 200, description: "memory id, mem_..." } },
      },
      async execute(_id, params) {
        try {
          const id = stringParam(params, "id", 200);
          await service.remove(id);
          return text(`Deleted ${id}.`, { id, deleted: true });
        } catch (err) {
          return failure(err);
        }
      },
    },
  ];
}
