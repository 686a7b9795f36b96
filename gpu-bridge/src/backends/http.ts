// Calls to an inference server over node:http with a keep-alive pool per node: bounded time,
// error bodies turned into BridgeErrors, SSE parsing.
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import type { IncomingMessage, OutgoingHttpHeaders, RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { BridgeError } from "../errors.js";
import type { NodeConfig } from "../config.js";

export interface UpstreamOptions {
  method?: "GET" | "POST";
  json?: unknown;
  query?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** The parts of a node's answer the adapters read: a 2xx status and the body as a stream. */
export interface UpstreamAnswer {
  status: number;
  body: IncomingMessage;
}

export interface UpstreamResponse {
  res: UpstreamAnswer;
  /** Aborts the request (and its body stream); call when giving up on a stream. */
  abort: () => void;
  /** Re-arms the timeout; a stream calls it on every chunk so only an idle stream times out. */
  keepAlive: () => void;
  done: () => void;
  /** The BridgeError for a failure while reading the body: timeout, or the node went away. */
  failure: (err: unknown) => BridgeError;
}

/** What is fixed per node: where it is, its pool, and the headers every call carries. */
interface Target {
  https: boolean;
  options: RequestOptions;
  prefix: string;
  getHeaders: OutgoingHttpHeaders;
  postHeaders: OutgoingHttpHeaders;
}

const targets = new WeakMap<NodeConfig, Target>();

/**
 * Sockets per node. A keep-alive pool large enough for the bridge's concurrency means a
 * forwarded request never pays a TCP handshake; beyond it requests queue in the agent.
 */
export const MAX_SOCKETS_PER_NODE = 256;

function targetOf(node: NodeConfig): Target {
  let t = targets.get(node);
  if (t) return t;
  const url = new URL(node.url);
  const https = url.protocol === "https:";
  const agentOpts = { keepAlive: true, maxSockets: MAX_SOCKETS_PER_NODE, maxFreeSockets: MAX_SOCKETS_PER_NODE, scheduling: "lifo" as const };
  const base: OutgoingHttpHeaders = { accept: "application/json, text/event-stream" };
  if (node.api_key) base.authorization = `Bearer ${node.api_key}`;
  t = {
    https,
    options: {
      hostname: url.hostname.replace(/^\[|\]$/g, ""),
      port: url.port || (https ? 443 : 80),
      agent: https ? new HttpsAgent(agentOpts) : new HttpAgent(agentOpts),
    },
    // Concatenated, not resolved, so that a base path such as http://host/vllm is kept.
    prefix: url.pathname.replace(/\/$/, ""),
    getHeaders: base,
    postHeaders: { ...base, "content-type": "application/json" },
  };
  targets.set(node, t);
  return t;
}

/** Closes the keep-alive pools of these nodes (bridge shutdown). */
export function closeUpstreams(nodes: NodeConfig[]): void {
  for (const n of nodes) {
    const t = targets.get(n);
    if (t) (t.options.agent as HttpAgent).destroy();
    targets.delete(n);
  }
}

/**
 * Sends one request to a node. Resolves once headers arrive with status 2xx; throws
 * `upstream_unavailable` when the node cannot be reached, `upstream_timeout` when it does not
 * answer in time, and `upstream_error` (with the node's message) for any other status.
 */
export function upstream(node: NodeConfig, path: string, opts: UpstreamOptions): Promise<UpstreamResponse> {
  const t = targetOf(node);
  const query = opts.query ? new URLSearchParams(opts.query).toString() : "";
  const payload = opts.json === undefined ? undefined : JSON.stringify(opts.json);
  const headers = payload === undefined ? t.getHeaders : { ...t.postHeaders, "content-length": Buffer.byteLength(payload) };
  const method = opts.method ?? (payload === undefined ? "GET" : "POST");
  return new Promise<UpstreamResponse>((resolve, reject) => {
    let timedOut = false;
    let answered = false;
    const req = (t.https ? httpsRequest : httpRequest)({ ...t.options, method, path: t.prefix + path + (query ? `?${query}` : ""), headers });
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new Error("upstream timeout"));
    }, opts.timeoutMs);
    const onCallerAbort = () => req.destroy(new Error("aborted by caller"));
    opts.signal?.addEventListener("abort", onCallerAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onCallerAbort);
    };
    const failure = (err: unknown): BridgeError => {
      if (err instanceof BridgeError) return err;
      if (timedOut) return new BridgeError("upstream_timeout", `node ${node.id} did not answer within ${opts.timeoutMs} ms`, { node: node.id });
      return new BridgeError("upstream_unavailable", `node ${node.id} is unreachable`, { node: node.id, cause: String(err) });
    };
    req.on("error", (err) => {
      // After the answer started, a failure surfaces on the body stream instead.
      if (answered) return;
      done();
      reject(failure(err));
    });
    req.on("response", (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        resolve({ res: { status, body: res }, abort: () => req.destroy(), keepAlive: () => timer.refresh(), done, failure });
        return;
      }
      collect(res).then(
        (text) => {
          done();
          reject(new UpstreamStatusError(node.id, status, text));
        },
        (err: unknown) => {
          done();
          reject(failure(err));
        },
      );
    });
    req.end(payload);
  });
}

function collect(body: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    body.setEncoding("utf8");
    body.on("data", (s: string) => (text += s));
    body.on("end", () => resolve(text));
    body.on("error", reject);
    body.on("aborted", () => reject(new Error("aborted")));
  });
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

export async function readText(r: UpstreamResponse): Promise<string> {
  try {
    return await collect(r.res.body);
  } catch (err) {
    throw r.failure(err);
  } finally {
    r.done();
  }
}

export async function readJson(r: UpstreamResponse): Promise<unknown> {
  const text = await readText(r);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BridgeError("upstream_error", "node answered with malformed JSON", { body: text.slice(0, 300) });
  }
}

/**
 * Yields the `data:` payload of each server-sent event. Joins multi-line data, ignores comments
 * and other fields, and re-arms the idle timeout on every chunk. Throws `upstream_stream_failed`
 * when the stream breaks or times out before it ends.
 */
export async function* sseData(r: UpstreamResponse, nodeId: string): AsyncGenerator<string> {
  const body = r.res.body;
  body.setEncoding("utf8");
  let buf = "";
  let finished = false;
  try {
    try {
      for await (const chunk of body as AsyncIterable<string>) {
        r.keepAlive();
        buf += chunk.indexOf("\r") >= 0 ? chunk.replace(/\r\n?/g, "\n") : chunk;
        let idx: number;
        while ((idx = buf.indexOf("\n\n")) >= 0) {
          const data = dataOf(buf.slice(0, idx));
          buf = buf.slice(idx + 2);
          if (data !== null) yield data;
        }
      }
    } catch (err) {
      const cause = r.failure(err);
      throw new BridgeError("upstream_stream_failed", `stream from node ${nodeId} broke`, { node: nodeId, cause: cause.code });
    }
    if (!body.complete) throw new BridgeError("upstream_stream_failed", `stream from node ${nodeId} broke`, { node: nodeId });
    const tail = dataOf(buf.trim());
    if (tail !== null) yield tail;
    finished = true;
  } finally {
    r.done();
    // Cancels the upstream request when the consumer stopped early (client went away). Not
    // after a normal end, which returns the socket to the keep-alive pool.
    if (!finished) r.abort();
  }
}

/** The data of one event: `data:` lines joined, or null when it has none. */
function dataOf(event: string): string | null {
  // The common case, one `data: …` line, without splitting.
  if (event.startsWith("data:") && event.indexOf("\n") < 0) return event.charCodeAt(5) === 32 ? event.slice(6) : event.slice(5);
  let out: string | null = null;
  for (const line of event.split("\n")) {
    if (!line.startsWith("data:")) continue;
    const v = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
    out = out === null ? v : `${out}\n${v}`;
  }
  return out;
}
