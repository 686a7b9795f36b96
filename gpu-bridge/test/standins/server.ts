// Loopback HTTP server for protocol stand-ins: ephemeral port, request log, JSON and SSE helpers.
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  /** Path with query, as received. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body is JSON, else the raw text (empty string for none). */
  body: unknown;
}

export interface StandinRequest extends Recorded {
  url: URL;
  raw: IncomingMessage;
}

export type Handler = (req: StandinRequest, res: ServerResponse) => void | Promise<void>;

export interface Standin {
  url: string;
  requests: Recorded[];
  /** Requests whose path starts with `prefix`. */
  sent(prefix: string): Recorded[];
  close(): Promise<void>;
}

export async function startStandin(handler: Handler): Promise<Standin> {
  const requests: Recorded[] = [];
  const server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on("data", (c: Buffer) => chunks.push(c));
    raw.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = text ? (JSON.parse(text) as unknown) : "";
      } catch {
        // keep the text: the stand-in answers malformed JSON itself
      }
      const rec: Recorded = { method: raw.method ?? "GET", path: raw.url ?? "/", headers: raw.headers, body };
      requests.push(rec);
      const url = new URL(rec.path, "http://standin");
      Promise.resolve(handler({ ...rec, url, raw }, res)).catch((err: unknown) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: String(err) }));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sent: (prefix) => requests.filter((r) => r.path.startsWith(prefix)),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(body);
}

export function sseStart(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
}

export function sseData(res: ServerResponse, data: unknown): void {
  res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Length of the common prefix of two strings: how much of a prompt a prefix cache could reuse. */
export function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** The stand-ins count one token per four characters. */
export const tokensOf = (s: string) => Math.ceil(s.length / 4);
