// Calls to an inference server: bounded time, error bodies turned into BridgeErrors, SSE parsing.
import { BridgeError } from "../errors.js";
import type { NodeConfig } from "../config.js";

export interface UpstreamOptions {
  method?: "GET" | "POST";
  json?: unknown;
  query?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

export interface UpstreamResponse {
  res: Response;
  /** Aborts the request (and its body stream); call when giving up on a stream. */
  abort: () => void;
  /** Re-arms the timeout; a stream calls it on every chunk so only an idle stream times out. */
  keepAlive: () => void;
  done: () => void;
}

/**
 * Sends one request to a node. Resolves once headers arrive with status 2xx; throws
 * `upstream_unavailable` when the node cannot be reached, `upstream_timeout` when it does not
 * answer in time, and `upstream_error` (with the node's message) for any other status.
 */
export async function upstream(node: NodeConfig, path: string, opts: UpstreamOptions): Promise<UpstreamResponse> {
  // Concatenated, not resolved, so that a base path such as http://host/vllm is kept.
  const url = new URL(`${node.url.replace(/\/$/, "")}${path}`);
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
  const ctrl = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, opts.timeoutMs);
  };
  const onCallerAbort = () => ctrl.abort();
  opts.signal?.addEventListener("abort", onCallerAbort, { once: true });
  const done = () => {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onCallerAbort);
  };
  arm();
  const headers: Record<string, string> = { accept: "application/json, text/event-stream" };
  if (opts.json !== undefined) headers["content-type"] = "application/json";
  if (node.api_key) headers.authorization = `Bearer ${node.api_key}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method: opts.method ?? (opts.json === undefined ? "GET" : "POST"),
      headers,
      ...(opts.json === undefined ? {} : { body: JSON.stringify(opts.json) }),
      signal: ctrl.signal,
    });
  } catch (err) {
    done();
    if (timedOut) throw new BridgeError("upstream_timeout", `node ${node.id} did not answer within ${opts.timeoutMs} ms`, { node: node.id });
    throw new BridgeError("upstream_unavailable", `node ${node.id} is unreachable`, { node: node.id, cause: String(err) });
  }
  if (!res.ok) {
    const text = await res.text().catch(() => "");
    done();
    throw new UpstreamStatusError(node.id, res.status, text);
  }
  return { res, abort: () => ctrl.abort(), keepAlive: arm, done };
}

/** A non-2xx answer from a node, kept with its status and body so adapters can interpret it. */
export class UpstreamStatusError extends BridgeError {
  constructor(
    readonly nodeId: string,
    readonly upstreamStatus: number,
    readonly body: string,
  ) {
    super("upstream_error", `node ${nodeId} answered ${upstreamStatus}: ${upstreamMessage(body)}`, {
      node: nodeId,
      status: upstreamStatus,
      message: upstreamMessage(body),
    });
  }
}

/** Pulls a message out of the error shapes these servers use (OpenAI, FastAPI, SGLang, text). */
export function upstreamMessage(body: string): string {
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    const err = j.error;
    if (err && typeof err === "object" && typeof (err as { message?: unknown }).message === "string") {
      return (err as { message: string }).message;
    }
    for (const k of ["message", "detail", "error_message", "error"]) {
      if (typeof j[k] === "string") return j[k];
    }
  } catch {
    // not JSON: fall through to the text itself
  }
  return body.slice(0, 300) || "(empty body)";
}

export async function readJson(r: UpstreamResponse): Promise<unknown> {
  try {
    return (await r.res.json()) as unknown;
  } finally {
    r.done();
  }
}

export async function readText(r: UpstreamResponse): Promise<string> {
  try {
    return await r.res.text();
  } finally {
    r.done();
  }
}

/**
 * Yields the `data:` payload of each server-sent event. Joins multi-line data, ignores comments
 * and other fields, and re-arms the idle timeout on every chunk. Throws `upstream_stream_failed`
 * when the stream breaks or times out before it ends.
 */
export async function* sseData(r: UpstreamResponse, nodeId: string): AsyncGenerator<string> {
  const body = r.res.body;
  if (!body) throw new BridgeError("upstream_stream_failed", `node ${nodeId} sent no body`, { node: nodeId });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  let finished = false;
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw new BridgeError("upstream_stream_failed", `stream from node ${nodeId} broke`, { node: nodeId, cause: String(err) });
      }
      if (chunk.done) break;
      r.keepAlive();
      buf += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
      let idx: number;
      while ((idx = buf.indexOf("\n\n")) >= 0) {
        const event = buf.slice(0, idx);
        buf = buf.slice(idx + 2);
        const data = event
          .split("\n")
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).replace(/^ /, ""))
          .join("\n");
        if (data) yield data;
      }
    }
    const tail = buf.trim();
    if (tail.startsWith("data:")) yield tail.slice(5).trim();
    finished = true;
  } finally {
    r.done();
    reader.releaseLock();
    // Cancels the upstream request when the consumer stopped early (client went away). Not
    // after a normal end: an abort allocates an error and costs time on every request.
    if (!finished) r.abort();
  }
}
