// POST /v1/generate on plain node:http: the bridge's hot path, kept off the fetch adapter.
//
// The Hono adapter for Node builds a Request, a ReadableStream and a TransformStream per call
// and writes every SSE event separately; here the body is read once, checked, and the answer
// is written straight to the socket, with the events of one upstream chunk in one write.
import { randomUUID } from "node:crypto";
import { generateRequest } from "@memos-edge/bridge-protocol";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Verify } from "../auth.js";
import type { GenerateDone } from "../backends/types.js";
import { Cancel } from "../cancel.js";
import type { BridgeDeps } from "../context.js";
import { BridgeError, errorJson } from "../errors.js";
import { startGenerate } from "../services/generate.js";
import { parse } from "./validate.js";

export const GENERATE_PATH = "/v1/generate";
/** Same limit as the other routes (app.ts), checked before the signature is. */
const MAX_BODY = 64 * 1024 * 1024;
const SSE_HEADERS: OutgoingHttpHeaders = { "content-type": "text/event-stream", "cache-control": "no-cache" };
const JSON_HEADERS: OutgoingHttpHeaders = { "content-type": "application/json" };

type Headers = { get(name: string): string | null };

/** The handler for POST /v1/generate; `verify` is the signature check shared with the other routes. */
/** The caller's request id (the Worker sends its own), when it is one; else a new one. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers["x-request-id"];
  return typeof given === "string" && given.length <= 255 && !/[^\w\-=]/.test(given) ? given : randomUUID();
}

export function generateHandler(deps: BridgeDeps, verify: Verify): (req: IncomingMessage, res: ServerResponse) => void {
  return function generate(req, res) {
    const started = performance.now();
    serve(deps, verify, req, res, started).catch((err: unknown) => {
      const e = err instanceof BridgeError ? err : internal(err);
      if (res.headersSent) {
        if (!res.writableEnded) res.end();
        return;
      }
      record(deps, started, e.status);
      answer(res, e.status, errorJson(e, requestIdOf(req)), unread(req));
    });
  };
}

// Helpers here are plain functions and methods, not per-request arrows bound to names: under
// tsx (esbuild keepNames) each of those costs an Object.defineProperty call per request.

function record(deps: BridgeDeps, started: number, status: number): void {
  deps.metrics.request(GENERATE_PATH, "POST", status, (performance.now() - started) / 1000);
}

function sinceMs(t0: number): number {
  return Math.round((performance.now() - t0) * 100) / 100;
}

function internal(err: unknown): BridgeError {
  console.error("[gpu-bridge] unhandled error", err);
  return new BridgeError("internal", "internal error");
}

/** A body left unread (refused for its size) cannot be skipped: the connection must close. */
function unread(req: IncomingMessage): boolean {
  return !req.readableEnded;
}

function answer(res: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, close ? { ...JSON_HEADERS, connection: "close" } : JSON_HEADERS);
  res.end(text);
}

async function serve(deps: BridgeDeps, verify: Verify, req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
  const raw = await readBody(req);
  const headers: Headers = {
    get(name) {
      return headerOf(req, name);
    },
  };
  await verify("POST", req.url ?? GENERATE_PATH, raw, headers);
  let data: unknown;
  try {
    data = JSON.parse(raw.toString("utf8"));
  } catch {
    throw new BridgeError("invalid_request", "body must be JSON");
  }
  const body = parse(generateRequest, data);
  const t0 = performance.now();
  let ttftMs: number | null = null;
  // Fired when the client goes away before the answer is complete; the upstream call ends with it.
  const cancel = new Cancel();
  res.on("close", () => {
    if (!res.writableFinished) cancel.cancel();
  });
  const run = await startGenerate(deps, body, cancel);

  if (!body.stream) {
    let text = "";
    const done = await run.stream((t) => {
      if (ttftMs === null) ttftMs = sinceMs(t0);
      text += t;
    });
    record(deps, started, 200);
    return answer(res, 200, { ...run.start, text, ...run.summarize(done, ttftMs) });
  }

  const out = new SseAnswer(res, `event: start\ndata: ${JSON.stringify(run.start)}\n\n`, () => record(deps, started, 200));
  let done: GenerateDone;
  try {
    done = await run.stream((text) => {
      if (ttftMs === null) ttftMs = sinceMs(t0);
      out.write(`event: token\ndata: ${JSON.stringify({ text })}\n\n`);
    });
  } catch (err) {
    // Nothing sent yet: the caller answers with the error's own status.
    if (!out.opened) throw err;
    const e = err instanceof BridgeError ? err : new BridgeError("upstream_stream_failed", "stream failed");
    return out.end(`event: error\ndata: ${JSON.stringify(errorJson(e, requestIdOf(req)).error)}\n\n`);
  }
  out.end(`event: done\ndata: ${JSON.stringify(run.summarize(done, ttftMs))}\n\n`);
}

/**
 * The SSE answer. It opens (status 200, then the start event) with the first event written, so
 * that a node that is down or refuses the request gets a proper error status instead of a 200
 * stream that fails at once. Node corks the socket from a response's write to the next tick, so
 * the events parsed from one upstream read go out in one socket write, the headers in the first.
 */
class SseAnswer {
  opened = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly start: string,
    private readonly onOpen: () => void,
  ) {}

  write(text: string): void {
    const out = this.opened ? text : this.open() + text;
    if (!this.res.destroyed) this.res.write(out);
  }

  end(text: string): void {
    const out = this.opened ? text : this.open() + text;
    if (!this.res.destroyed) this.res.end(out);
  }

  /** Sets the status line and headers (sent with the first write); returns the start event. */
  private open(): string {
    this.opened = true;
    this.res.writeHead(200, SSE_HEADERS);
    this.onOpen();
    return this.start;
  }
}

function headerOf(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return typeof v === "string" ? v : null;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY) return Promise.reject(new BridgeError("invalid_request", "body larger than 64 MiB"));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        req.pause();
        reject(new BridgeError("invalid_request", "body larger than 64 MiB"));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
