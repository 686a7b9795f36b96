// Calls to an inference server over undici with a keep-alive pool per node: bounded time, error
// bodies turned into BridgeErrors, and server-sent events handed to a callback as they arrive.
//
// undici's dispatch() with a handler object costs far less CPU per request than node:http's
// ClientRequest, Agent and IncomingMessage stream, and a pushed body needs no async iterator
// chain: each event goes from the socket read to its consumer in one synchronous call.
import { StringDecoder } from "node:string_decoder";
import { Pool } from "undici";
import type { Dispatcher } from "undici";
import type { Cancel } from "../cancel.js";
import type { NodeConfig } from "../config.js";
import { BridgeError } from "../errors.js";

export interface UpstreamOptions {
  method?: "GET" | "POST";
  json?: unknown;
  query?: Record<string, string>;
  /**
   * For the connection, for the headers, then for each gap in the body: only an idle node times
   * out. undici checks the last two on a coarse clock, so they fire up to a second late.
   */
  timeoutMs: number;
  /** Stops the request when the caller no longer wants the answer. */
  cancel?: Cancel | undefined;
}

/** What is fixed per node: its pool, its base path, and the headers every call carries. */
interface Target {
  pool: Pool;
  prefix: string;
  getHeaders: Record<string, string>;
  postHeaders: Record<string, string>;
}

const targets = new WeakMap<NodeConfig, Target>();

/**
 * Connections per node. A keep-alive pool large enough for the bridge's concurrency means a
 * forwarded request never pays a TCP handshake; beyond it requests queue in the pool.
 */
export const MAX_SOCKETS_PER_NODE = 256;

/** The pool's connect timeout comes from the first call: every backend of a bridge has the same. */
function targetOf(node: NodeConfig, timeoutMs: number): Target {
  let t = targets.get(node);
  if (t) return t;
  const url = new URL(node.url);
  const base: Record<string, string> = { accept: "application/json, text/event-stream" };
  if (node.api_key) base.authorization = `Bearer ${node.api_key}`;
  t = {
    pool: new Pool(url.origin, { connections: MAX_SOCKETS_PER_NODE, connectTimeout: timeoutMs }),
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
    if (t) void t.pool.destroy();
    targets.delete(n);
  }
}

const TIMEOUTS = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/**
 * One request, as undici reports it: settles `answer` once. Rejects with `upstream_unavailable`
 * when the node cannot be reached, `upstream_timeout` when it does not answer in time,
 * `upstream_error` (UpstreamStatusError, with the node's message) for a status other than 2xx,
 * and whatever the body's consumer threw, which also ends the request.
 */
abstract class Exchange<T> implements Dispatcher.DispatchHandlers {
  readonly answer: Promise<T>;
  private resolve!: (value: T) => void;
  private reject!: (err: unknown) => void;
  private status = 0;
  private errorBody: Buffer[] = [];
  private abort: ((err?: Error) => void) | null = null;
  /** Why the bridge ended the request itself: its consumer threw, or the caller cancelled. */
  private stopped: unknown = null;

  constructor(
    protected readonly node: NodeConfig,
    private readonly opts: UpstreamOptions,
  ) {
    this.answer = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    opts.cancel?.set(() => this.stop(new BridgeError("upstream_stream_failed", "the caller went away", { node: node.id })));
  }

  /** A piece of a 2xx body; may throw to end the request. */
  protected abstract body(chunk: Buffer): void;
  /** The value of a complete 2xx answer; may throw. */
  protected abstract finish(): T;
  /** The error for a failure after a 2xx status arrived. */
  protected abstract broken(cause: BridgeError): BridgeError;

  private get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  private stop(err: unknown): void {
    if (this.stopped !== null) return;
    this.stopped = err;
    // Before onConnect undici has nothing to abort yet; onConnect does it then.
    this.abort?.(err instanceof Error ? err : new Error(String(err)));
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    // Stopped while queued in the pool: the request must not reach the node at all.
    if (this.stopped !== null) abort(this.stopped instanceof Error ? this.stopped : new Error(String(this.stopped)));
  }

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (!this.ok) {
      this.errorBody.push(chunk);
      return true;
    }
    try {
      this.body(chunk);
      return true;
    } catch (err) {
      this.stop(err);
      return false;
    }
  }

  onComplete(): void {
    this.opts.cancel?.set(null);
    if (!this.ok) {
      this.reject(new UpstreamStatusError(this.node.id, this.status, Buffer.concat(this.errorBody).toString("utf8")));
      return;
    }
    try {
      this.resolve(this.finish());
    } catch (err) {
      this.reject(err);
    }
  }

  onError(err: Error): void {
    this.opts.cancel?.set(null);
    if (this.stopped !== null) return this.reject(this.stopped);
    const id = this.node.id;
    const cause = TIMEOUTS.has((err as { code?: string }).code ?? "")
      ? new BridgeError("upstream_timeout", `node ${id} did not answer within ${this.opts.timeoutMs} ms`, { node: id })
      : new BridgeError("upstream_unavailable", `node ${id} is unreachable`, { node: id, cause: String(err) });
    this.reject(this.ok ? this.broken(cause) : cause);
  }
}

function send(node: NodeConfig, path: string, opts: UpstreamOptions, handler: Dispatcher.DispatchHandlers): void {
  const t = targetOf(node, opts.timeoutMs);
  const query = opts.query ? `?${new URLSearchParams(opts.query).toString()}` : "";
  const body = opts.json === undefined ? null : JSON.stringify(opts.json);
  t.pool.dispatch(
    {
      path: t.prefix + path + query,
      method: opts.method ?? (body === null ? "GET" : "POST"),
      headers: body === null ? t.getHeaders : t.postHeaders,
      body,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    },
    handler,
  );
}

/** A whole answer as text. */
class TextExchange extends Exchange<string> {
  private readonly chunks: Buffer[] = [];
  protected body(chunk: Buffer): void {
    this.chunks.push(chunk);
  }
  protected finish(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
  protected broken(cause: BridgeError): BridgeError {
    return cause;
  }
}

/** Sends one request and reads its whole 2xx answer as text. */
export function requestText(node: NodeConfig, path: string, opts: UpstreamOptions): Promise<string> {
  const x = new TextExchange(node, opts);
  send(node, path, opts, x);
  return x.answer;
}

/** Sends one request and parses its whole 2xx answer as JSON. */
export async function requestJson(node: NodeConfig, path: string, opts: UpstreamOptions): Promise<unknown> {
  const text = await requestText(node, path, opts);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BridgeError("upstream_error", "node answered with malformed JSON", { body: text.slice(0, 300) });
  }
}

/**
 * The `data:` payload of each server-sent event, in order, as the body arrives. Joins
 * multi-line data and ignores comments and other fields.
 */
class SseExchange extends Exchange<void> {
  private readonly decoder = new StringDecoder("utf8");
  private buf = "";
  /** A chunk ended in "\r": the next may start with the "\n" of the same line end. */
  private cr = false;

  constructor(
    node: NodeConfig,
    opts: UpstreamOptions,
    private readonly onEvent: (data: string) => void,
  ) {
    super(node, opts);
  }

  protected body(chunk: Buffer): void {
    let text = this.decoder.write(chunk);
    if (this.cr) {
      text = `\r${text}`;
      this.cr = false;
    }
    if (text.indexOf("\r") >= 0) {
      this.cr = text.endsWith("\r");
      text = (this.cr ? text.slice(0, -1) : text).replace(/\r\n?/g, "\n");
    }
    const buf = this.buf + text;
    let from = 0;
    let idx: number;
    while ((idx = buf.indexOf("\n\n", from)) >= 0) {
      const data = dataOf(buf.slice(from, idx));
      from = idx + 2;
      if (data !== null) this.onEvent(data);
    }
    this.buf = from === 0 ? buf : buf.slice(from);
  }

  protected finish(): void {
    const tail = dataOf((this.buf + this.decoder.end()).trim());
    if (tail !== null) this.onEvent(tail);
  }

  protected broken(cause: BridgeError): BridgeError {
    const node = this.node.id;
    return new BridgeError("upstream_stream_failed", `stream from node ${node} broke`, { node, cause: cause.code });
  }
}

/**
 * Sends one request and hands the data of each event of its 2xx event stream to `onData` as it
 * arrives. Resolves once the body ended completely, which leaves the connection to the pool.
 * Rejects like requestText before the stream starts, with `upstream_stream_failed` when it
 * breaks or idles past the timeout, and with what `onData` threw, which ends the request.
 */
export function streamEvents(node: NodeConfig, path: string, opts: UpstreamOptions, onData: (data: string) => void): Promise<void> {
  const x = new SseExchange(node, opts, onData);
  send(node, path, opts, x);
  return x.answer;
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
