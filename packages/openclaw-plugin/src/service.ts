// Thin fetch calls to the memos-edge REST API (/v1/search, /v1/memories), each bounded by a timeout.
import type { MemosPluginConfig } from "./config.ts";

/** An API error ({ error: { code, message } }), a timeout or a network failure, with a stable code. */
export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface Memory {
  id: string;
  text: string;
  type: string;
  user_id: string | null;
  agent_id: string | null;
  session_id: string | null;
  tags: string[];
  created_at: string;
  event_time: string | null;
  state: string;
  version: number;
}

export interface SearchAnswer {
  results: { memory: Memory; score: number }[];
  context?: { context: string; tokens_used: number; included: string[] };
}

export interface ServiceMessage {
  role: "user" | "assistant";
  content: string;
  timestamp?: string;
}

export interface Service {
  search(body: { query: string; format?: "json" | "context"; top_k: number; budget_tokens?: number; agent_id?: string }, timeoutMs: number): Promise<SearchAnswer>;
  addMessages(messages: ServiceMessage[], opts: { sessionId?: string; idempotencyKey: string }): Promise<{ job?: { id: string }; replayed?: number }>;
  addText(text: string, idempotencyKey: string): Promise<{ memories?: Memory[] }>;
  get(id: string): Promise<Memory>;
  remove(id: string): Promise<void>;
}

export function createService(cfg: MemosPluginConfig): Service {
  async function call<T>(method: string, path: string, body: unknown, timeoutMs: number, headers: Record<string, string> = {}): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${cfg.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${cfg.apiKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const name = err instanceof Error ? err.name : "";
      if (name === "TimeoutError" || name === "AbortError") throw new ServiceError("timeout", `memos-edge did not answer ${method} ${path} within ${timeoutMs} ms`);
      throw new ServiceError("unreachable", `memos-edge is unreachable at ${cfg.baseUrl}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      throw new ServiceError("bad_answer", `memos-edge answered ${res.status} with a body that is not JSON`, res.status);
    }
    if (!res.ok) {
      const e = (parsed as { error?: { code?: unknown; message?: unknown } }).error;
      throw new ServiceError(typeof e?.code === "string" ? e.code : `http_${res.status}`, typeof e?.message === "string" ? e.message : `HTTP ${res.status}`, res.status);
    }
    return parsed as T;
  }
  const scope = { user_id: cfg.userId, ...(cfg.agentId ? { agent_id: cfg.agentId } : {}) };
  const byId = (id: string) => `/v1/memories/${encodeURIComponent(id)}?user_id=${encodeURIComponent(cfg.userId)}`;
  return {
    search: (body, timeoutMs) => call("POST", "/v1/search", { user_id: cfg.userId, ...body }, timeoutMs),
    addMessages: (messages, opts) =>
      call(
        "POST",
        "/v1/memories",
        { ...scope, ...(opts.sessionId ? { session_id: opts.sessionId } : {}), messages, metadata: { source: "openclaw" } },
        cfg.requestTimeoutMs,
        { "idempotency-key": opts.idempotencyKey },
      ),
    addText: (text, idempotencyKey) =>
      call("POST", "/v1/memories", { ...scope, text, infer: false, metadata: { source: "openclaw" } }, cfg.requestTimeoutMs, { "idempotency-key": idempotencyKey }),
    get: (id) => call("GET", byId(id), undefined, cfg.requestTimeoutMs),
    remove: async (id) => {
      await call("DELETE", byId(id), undefined, cfg.requestTimeoutMs);
    },
  };
}
