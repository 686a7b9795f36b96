// The upstream client's contract on a raw SSE server: base path, keep-alive, idle timeout, cancel.
import { createServer } from "node:http";
import type { Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { closeUpstreams, streamEvents } from "../src/backends/http.js";
import { Cancel } from "../src/cancel.js";
import type { NodeConfig } from "../src/config.js";
import { BridgeError } from "../src/errors.js";
import type { RunningBridge } from "../src/server.js";
import { bridgeOver, nodes, readSse, scope, signedFetch } from "./helpers.js";

const ask = { ...scope, messages: [{ role: "user", content: "q" }] };

const chunk = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

/** What the raw node saw: request paths, connections opened, answers cut short by the bridge. */
interface RawNode {
  url: string;
  paths: string[];
  connections: number;
  closedEarly: number;
  server: Server;
}

/**
 * A node that streams `words` as chat chunks, `gapMs` apart, then [DONE]; `stallAfter` words
 * it stops sending without closing.
 */
async function rawNode(opts: { words: string[]; gapMs: number; stallAfter?: number; base?: string }): Promise<RawNode> {
  const node: RawNode = { url: "", paths: [], connections: 0, closedEarly: 0, server: createServer() };
  node.server.on("connection", () => node.connections++);
  node.server.on("request", (req, res: ServerResponse) => {
    node.paths.push(req.url ?? "");
    req.resume();
    req.on("end", async () => {
      res.on("close", () => {
        if (!res.writableFinished) node.closedEarly++;
      });
      res.writeHead(200, { "content-type": "text/event-stream" });
      for (const [i, w] of opts.words.entries()) {
        if (opts.stallAfter !== undefined && i >= opts.stallAfter) return;
        if (res.destroyed) return;
        res.write(chunk(w));
        await new Promise((r) => setTimeout(r, opts.gapMs));
      }
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((r) => node.server.listen(0, "127.0.0.1", r));
  node.url = `http://127.0.0.1:${(node.server.address() as AddressInfo).port}${opts.base ?? ""}`;
  return node;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function setup(node: RawNode, upstreamTimeoutMs = 2_000): Promise<RunningBridge> {
  closers.push(
    () =>
      new Promise<void>((r) => {
        node.server.closeAllConnections();
        node.server.close(() => r());
      }),
  );
  const b = await bridgeOver(nodes({ id: "raw", backend: "vllm", url: node.url, models: ["m"], budget_bytes: 1e9 }), { upstreamTimeoutMs });
  closers.push(() => b.close());
  return b;
}

describe("upstream client", () => {
  it("keeps the node's base path and reuses one connection for sequential streams", async () => {
    const node = await rawNode({ words: ["a", "b"], gapMs: 1, base: "/vllm" });
    const b = await setup(node);
    for (let i = 0; i < 3; i++) {
      const events = await readSse(await signedFetch(b, "POST", "/v1/generate", ask));
      expect(events.map((e) => e.event)).toEqual(["start", "token", "token", "done"]);
    }
    expect(node.paths).toEqual(Array(3).fill("/vllm/v1/chat/completions"));
    expect(node.connections).toBe(1);
  });

  it("ends a stream that goes idle past the timeout with upstream_stream_failed", async () => {
    const node = await rawNode({ words: ["a", "b", "c"], gapMs: 1, stallAfter: 1 });
    const b = await setup(node, 200);
    const t0 = Date.now();
    const events = await readSse(await signedFetch(b, "POST", "/v1/generate", ask));
    expect(events.map((e) => e.event)).toEqual(["start", "token", "error"]);
    expect(events[2]?.data).toMatchObject({ code: "upstream_stream_failed", details: { cause: "upstream_timeout" } });
    expect(Date.now() - t0).toBeLessThan(1_500);
  });

  it("cancels the node's request when the client goes away mid-stream", async () => {
    const node = await rawNode({ words: Array(100).fill("w"), gapMs: 20 });
    const b = await setup(node);
    const ctrl = new AbortController();
    const res = await signedFetch(b, "POST", "/v1/generate", ask, ctrl.signal);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    ctrl.abort();
    await reader.cancel().catch(() => undefined);
    const t0 = Date.now();
    while (node.closedEarly === 0 && Date.now() - t0 < 1_000) await new Promise((r) => setTimeout(r, 10));
    expect(node.closedEarly).toBe(1);
  });

  it("never sends a request whose caller went away before it left the pool", async () => {
    const node = await rawNode({ words: ["a"], gapMs: 1 });
    closers.push(() => new Promise<void>((r) => node.server.close(() => r())));
    const config = { id: "raw-cancel", backend: "vllm", url: node.url, models: ["m"], budget_bytes: 1e9 } as NodeConfig;
    closers.push(async () => closeUpstreams([config]));
    const cancel = new Cancel();
    cancel.cancel();
    const events: string[] = [];
    const err = await streamEvents(config, "/v1/chat/completions", { json: { stream: true }, timeoutMs: 2_000, cancel }, (d) => events.push(d)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).code).toBe("upstream_stream_failed");
    await new Promise((r) => setTimeout(r, 50));
    expect(node.paths).toEqual([]);
    expect(events).toEqual([]);
  });
});
