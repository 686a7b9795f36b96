// A loopback recording proxy in front of wrangler dev: what the plugin sent to the service, body by body.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  status?: number;
  answer?: unknown;
}

export interface Recorder {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

export async function startRecorder(target: string): Promise<Recorder> {
  const requests: Recorded[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length" && k !== "connection") headers[k] = v;
    const record: Recorded = { method: req.method ?? "GET", path: req.url ?? "/", headers, body: text ? (JSON.parse(text) as unknown) : undefined };
    requests.push(record);
    const upstream = await fetch(`${target}${req.url ?? "/"}`, { method: req.method, headers, body: text || undefined });
    const out: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (k !== "content-encoding" && k !== "content-length" && k !== "transfer-encoding") out[k] = v;
    });
    const answer = Buffer.from(await upstream.arrayBuffer());
    record.status = upstream.status;
    record.answer = answer.length > 0 ? (JSON.parse(answer.toString("utf8")) as unknown) : undefined;
    res.writeHead(upstream.status, out);
    res.end(answer);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}
