// Typed client the Worker uses to reach the gpu-bridge: signed requests, bounded time, breaker.
import { createSigner } from "@memos-edge/bridge-protocol";
import type {
  ActivationBlock,
  AdapterLoaded,
  AdapterDeleted,
  AdapterUnloaded,
  AdapterView,
  BlockChange,
  BridgeErrorCode,
  BridgeScope,
  EvictResult,
  GenerateStart,
  GenerateSummary,
  RegisterAdapterBody,
  RegisterBlockBody,
  Signer,
  TrainBody,
  TrainingJob,
} from "@memos-edge/bridge-protocol";
import { readSse } from "./sse";
import { ApiError } from "../errors";
import type { ErrorCode } from "../errors";
import { CircuitBreaker } from "./breaker";

export interface BridgeClientOptions {
  baseUrl: string;
  secret: string;
  /** Per request, headers and body included. */
  timeoutMs?: number;
  breaker?: CircuitBreaker;
  fetch?: typeof fetch;
}

/** Bridge codes that mean "your request is wrong", mapped onto the API's own codes. */
const CLIENT_CODES: Readonly<Partial<Record<BridgeErrorCode, ErrorCode>>> = {
  invalid_request: "invalid_request",
  not_found: "not_found",
  conflict: "conflict",
  budget_exceeded: "conflict",
  adapter_cap_reached: "conflict",
  unsupported_operation: "not_implemented",
  no_node: "invalid_request",
};

/**
 * A BridgeErrorBody as read off the wire, every field unsure: a bridge of another version, or a
 * proxy in front of it, may send less, or codes this Worker does not know.
 */
interface ErrorAnswer {
  error?: { code?: string; message?: string; details?: unknown };
}

export class BridgeClient {
  private readonly signer: Signer;
  private readonly timeoutMs: number;
  readonly breaker: CircuitBreaker;
  private readonly fetcher: typeof fetch;
  private readonly base: string;

  constructor(opts: BridgeClientOptions) {
    this.signer = createSigner(opts.secret);
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.breaker = opts.breaker ?? new CircuitBreaker({ failureThreshold: 5, cooldownMs: 10_000 });
    // Bound so that a plain `fetch` keeps its receiver in workerd.
    this.fetcher = opts.fetch ?? ((input, init) => fetch(input, init));
    this.base = opts.baseUrl.replace(/\/$/, "");
  }

  /**
   * One signed call. Answers the bridge's JSON on 2xx; throws ApiError: the bridge's client
   * errors mapped to 4xx codes, and `upstream_unavailable` (503) for everything that means the
   * bridge cannot serve now: unreachable, slower than the timeout, 5xx, refused signature, or
   * the circuit open. Only the latter kind counts towards opening the circuit.
   */
  async request<T>(method: "GET" | "POST" | "DELETE", path: string, opts: { query?: Record<string, string>; body?: unknown; requestId?: string | undefined } = {}): Promise<T> {
    if (!this.breaker.allow()) {
      throw new ApiError("upstream_unavailable", "GPU bridge is unavailable (circuit open)", { retry_after_ms: this.breaker.retryAfterMs() });
    }
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), this.timeoutMs);
    let res: Response;
    let text: string;
    try {
      const headers = await this.signer.sign({ method, pathWithQuery: url.pathname + url.search, body });
      res = await this.fetcher(url.toString(), {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }), ...(opts.requestId ? { "x-request-id": opts.requestId } : {}) },
        ...(body === undefined ? {} : { body }),
        signal: ctrl.signal,
      });
      text = await res.text();
    } catch {
      this.breaker.failure();
      const timedOut = ctrl.signal.aborted;
      throw new ApiError("upstream_unavailable", timedOut ? `GPU bridge did not answer within ${this.timeoutMs} ms` : "GPU bridge is unreachable");
    } finally {
      clearTimeout(timer);
    }
    let parsed: unknown;
    try {
      parsed = text ? (JSON.parse(text) as unknown) : {};
    } catch {
      parsed = {};
    }
    if (res.ok) {
      this.breaker.success();
      return parsed as T;
    }
    const err = (parsed as ErrorAnswer).error ?? {};
    const mapped = err.code && Object.hasOwn(CLIENT_CODES, err.code) ? CLIENT_CODES[err.code as BridgeErrorCode] : undefined;
    if (mapped && res.status < 500) {
      // The bridge answered sensibly: it is healthy even though the request was refused.
      this.breaker.success();
      throw new ApiError(mapped, err.message ?? "GPU bridge refused the request", { bridge_code: err.code, ...(err.details === undefined ? {} : { bridge_details: err.details }) });
    }
    this.breaker.failure();
    const why = err.code?.startsWith("signature_") ? "GPU bridge refused the Worker's signature (check BRIDGE_SECRET and clocks)" : (err.message ?? `GPU bridge answered ${res.status}`);
    throw new ApiError("upstream_unavailable", why, { bridge_code: err.code ?? null, status: res.status });
  }

  private scoped(s: CallScope): Record<string, string> {
    return { tenant_id: s.tenant_id, cube_id: s.cube_id };
  }

  listBlocks(s: CallScope) {
    return this.request<{ blocks: ActivationBlock[] }>("GET", "/v1/activation", { query: this.scoped(s), requestId: s.request_id });
  }
  // Bodies name each field the bridge knows: its schemas are strict, so anything more a caller's
  // object carries would be refused rather than ignored.
  registerBlock(s: CallScope, input: RegisterBlockBody) {
    const body = {
      ...this.scoped(s),
      memory_ids: input.memory_ids,
      ...(input.text === undefined ? {} : { text: input.text }),
      ...(input.token_ids === undefined ? {} : { token_ids: input.token_ids }),
      ...(input.model === undefined ? {} : { model: input.model }),
      ...(input.node === undefined ? {} : { node: input.node }),
      ...(input.pinned === undefined ? {} : { pinned: input.pinned }),
      ...(input.heat === undefined ? {} : { heat: input.heat }),
      ...(input.half_life_ms === undefined ? {} : { half_life_ms: input.half_life_ms }),
      ...(input.replaces === undefined ? {} : { replaces: input.replaces }),
    };
    return this.request<BlockChange>("POST", "/v1/activation", { body, requestId: s.request_id });
  }
  /** Warms the block again; `heat` (with its `half_life_ms`) is the cube's measure of it now, for the bridge's ranking. */
  refreshBlock(s: CallScope, id: string, opts: { pinned?: boolean | undefined; heat?: number | undefined; half_life_ms?: number | undefined } = {}) {
    return this.request<BlockChange>("POST", `/v1/activation/${encodeURIComponent(id)}/refresh`, {
      body: {
        ...this.scoped(s),
        ...(opts.pinned === undefined ? {} : { pinned: opts.pinned }),
        ...(opts.heat === undefined ? {} : { heat: opts.heat }),
        ...(opts.half_life_ms === undefined ? {} : { half_life_ms: opts.half_life_ms }),
      },
      requestId: s.request_id,
    });
  }
  evictBlock(s: CallScope, id: string) {
    return this.request<EvictResult>("DELETE", `/v1/activation/${encodeURIComponent(id)}`, { query: this.scoped(s), requestId: s.request_id });
  }
  listAdapters(s: CallScope) {
    return this.request<{ adapters: AdapterView[] }>("GET", "/v1/adapters", { query: this.scoped(s), requestId: s.request_id });
  }
  registerAdapter(s: CallScope, input: RegisterAdapterBody) {
    const body = { ...this.scoped(s), name: input.name, base_model: input.base_model, source: input.source };
    return this.request<{ adapter: AdapterView }>("POST", "/v1/adapters", { body, requestId: s.request_id });
  }
  loadAdapter(s: CallScope, name: string, node?: string) {
    return this.request<AdapterLoaded>("POST", `/v1/adapters/${encodeURIComponent(name)}/load`, {
      body: { ...this.scoped(s), ...(node ? { node } : {}) },
      requestId: s.request_id,
    });
  }
  unloadAdapter(s: CallScope, name: string, node?: string) {
    return this.request<AdapterUnloaded>("POST", `/v1/adapters/${encodeURIComponent(name)}/unload`, {
      body: { ...this.scoped(s), ...(node ? { node } : {}) },
      requestId: s.request_id,
    });
  }
  /** Unloads the adapter from every node and drops it from the bridge's registry. */
  deleteAdapter(s: CallScope, name: string) {
    return this.request<AdapterDeleted>("DELETE", `/v1/adapters/${encodeURIComponent(name)}`, { query: this.scoped(s), requestId: s.request_id });
  }
  train(s: CallScope, input: TrainBody) {
    const body = {
      ...this.scoped(s),
      adapter_name: input.adapter_name,
      base_model: input.base_model,
      dataset: { texts: input.dataset.texts },
      ...(input.hyperparameters === undefined ? {} : { hyperparameters: input.hyperparameters }),
    };
    return this.request<{ job: TrainingJob }>("POST", "/v1/training-jobs", { body, requestId: s.request_id });
  }
  trainingJob(s: CallScope, id: string) {
    return this.request<{ job: TrainingJob }>("GET", `/v1/training-jobs/${encodeURIComponent(id)}`, { query: this.scoped(s), requestId: s.request_id });
  }
  /** The nodes with their activation budgets (GET /v1/nodes). */
  nodes(s: CallScope) {
    return this.request<{ nodes: NodeStats[] }>("GET", "/v1/nodes", { requestId: s.request_id });
  }

  /**
   * POST /v1/generate, always streamed from the bridge: `onToken` gets each piece of text as it
   * arrives. The timeout bounds the wait for the answer's head; the stream then runs as long as
   * the node streams (the bridge bounds the gaps). Throws ApiError like `request` before the
   * stream opens; a stream that fails midway throws `upstream_unavailable`.
   */
  async generate(s: CallScope, input: GenerateInput, onToken: (text: string) => void = () => undefined): Promise<GenerateOutcome> {
    if (!this.breaker.allow()) {
      throw new ApiError("upstream_unavailable", "GPU bridge is unavailable (circuit open)", { retry_after_ms: this.breaker.retryAfterMs() });
    }
    const path = "/v1/generate";
    const body = JSON.stringify({ ...this.scoped(s), ...input, stream: true });
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), this.timeoutMs);
    let res: Response;
    try {
      const headers = await this.signer.sign({ method: "POST", pathWithQuery: path, body });
      res = await this.fetcher(this.base + path, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json", ...(s.request_id ? { "x-request-id": s.request_id } : {}) },
        body,
        signal: ctrl.signal,
      });
    } catch {
      this.breaker.failure();
      throw new ApiError("upstream_unavailable", ctrl.signal.aborted ? `GPU bridge did not answer within ${this.timeoutMs} ms` : "GPU bridge is unreachable");
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok || !res.body) {
      const text = await res.text().catch(() => "");
      let err: ErrorAnswer["error"] = {};
      try {
        err = ((JSON.parse(text) as ErrorAnswer).error ?? {});
      } catch {
        err = {};
      }
      const mapped = err.code && Object.hasOwn(CLIENT_CODES, err.code) ? CLIENT_CODES[err.code as BridgeErrorCode] : undefined;
      if (mapped && res.status < 500) {
        this.breaker.success();
        throw new ApiError(mapped, err.message ?? "GPU bridge refused the request", { bridge_code: err.code });
      }
      this.breaker.failure();
      throw new ApiError("upstream_unavailable", err.message ?? `GPU bridge answered ${res.status}`, { bridge_code: err.code ?? null, status: res.status });
    }
    this.breaker.success();
    let start: GenerateStart | null = null;
    let summary: GenerateSummary | null = null;
    let text = "";
    for await (const ev of readSse(res.body)) {
      if (ev.event === "start") start = JSON.parse(ev.data) as GenerateStart;
      else if (ev.event === "token") {
        const piece = (JSON.parse(ev.data) as { text: string }).text;
        text += piece;
        onToken(piece);
      } else if (ev.event === "done") summary = JSON.parse(ev.data) as GenerateSummary;
      else if (ev.event === "error") {
        const e = JSON.parse(ev.data) as { code?: string; message?: string };
        throw new ApiError("upstream_unavailable", `the node's stream failed: ${e.message ?? e.code ?? "unknown error"}`, { bridge_code: e.code ?? null });
      }
    }
    if (!start || !summary) throw new ApiError("upstream_unavailable", "the GPU bridge's stream ended before it was done");
    return { start, summary, text };
  }
}

/** A node as GET /v1/nodes reports it. */
export interface NodeStats {
  id: string;
  bytesInUse: number;
  budgetBytes: number;
  /** Absent from bridges older than this Worker. */
  kvBytesPerToken?: number;
  blocks: number;
  backend?: string;
  models?: string[];
}

export interface GenerateInput {
  messages: Array<{ role: "system" | "user" | "assistant"; content: string }>;
  block_ids?: string[];
  /** The blocks' user's heat now, for the bridge's ranking across cubes. */
  heat?: number;
  /** A LoRA adapter of the cube (parameter memory); the bridge loads it on the node if needed. */
  adapter?: string;
  model?: string;
  max_tokens?: number;
  temperature?: number;
}

export interface GenerateOutcome {
  start: GenerateStart;
  summary: GenerateSummary;
  text: string;
}

/** The cube a call is for, and the Worker's request id, which the bridge echoes in its logs and errors. */
export type CallScope = BridgeScope & { request_id?: string | undefined };

export interface BridgeEnv {
  BRIDGE_URL?: string | undefined;
  BRIDGE_SECRET?: string | undefined;
  BRIDGE_TIMEOUT_MS?: string | undefined;
}

// One client per isolate and configuration, so the breaker's memory outlives a single request.
const clients = new Map<string, BridgeClient>();

/**
 * The client for this Worker's configuration, or null when BRIDGE_URL or BRIDGE_SECRET is
 * missing (the GPU routes then answer 503). A bad timeout value falls back to 5 s.
 */
export function bridgeClientFromEnv(env: BridgeEnv): BridgeClient | null {
  if (!env.BRIDGE_URL || !env.BRIDGE_SECRET || env.BRIDGE_SECRET.length < 16) return null;
  const t = Number(env.BRIDGE_TIMEOUT_MS);
  const timeoutMs = Number.isFinite(t) && t > 0 ? Math.min(t, 60_000) : 5000;
  const key = `${env.BRIDGE_URL}\n${timeoutMs}\n${env.BRIDGE_SECRET}`;
  let c = clients.get(key);
  if (!c) {
    c = new BridgeClient({ baseUrl: env.BRIDGE_URL, secret: env.BRIDGE_SECRET, timeoutMs });
    clients.set(key, c);
  }
  return c;
}
