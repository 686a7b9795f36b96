// Test helpers: bridge configs over stand-ins, signed calls, and SSE reading.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSigner } from "@memos-edge/bridge-protocol";
import { parseNodes } from "../src/config.js";
import type { BridgeConfig, NodeConfig } from "../src/config.js";
import { startBridge } from "../src/server.js";
import type { RunningBridge } from "../src/server.js";

export const SECRET = "test-secret-0123456789abcdef-0123456789";
export const signer = createSigner(SECRET);

export const TENANT = "tnt_a";
export const CUBE = "user:alice";
export const scope = { tenant_id: TENANT, cube_id: CUBE };
export const q = `tenant_id=${TENANT}&cube_id=${encodeURIComponent(CUBE)}`;

type NodeInput = Partial<NodeConfig> & Pick<NodeConfig, "id" | "backend" | "url" | "models" | "budget_bytes">;

/** Node configs through the real schema, so defaults are the ones production gets. */
export function nodes(...list: NodeInput[]): NodeConfig[] {
  return parseNodes({ nodes: list });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "gpu-bridge-test-"));
}

export function config(nodeList: NodeConfig[], over: Partial<BridgeConfig> = {}): BridgeConfig {
  return {
    secret: SECRET,
    host: "127.0.0.1",
    port: 0,
    dbPath: ":memory:",
    nodes: nodeList,
    maxSkewMs: 60_000,
    upstreamTimeoutMs: 2_000,
    metricsPublic: false,
    trainer: { timeoutMs: 10_000 },
    workDir: join(tempDir(), "jobs"),
    ...over,
  };
}

export async function bridgeOver(nodeList: NodeConfig[], over: Partial<BridgeConfig> = {}): Promise<RunningBridge> {
  return startBridge(config(nodeList, over));
}

/** A signed request to the bridge; returns the raw Response. */
export async function signedFetch(b: RunningBridge, method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers = await signer.sign({ method, pathWithQuery: path, body: text });
  return fetch(`${b.url}${path}`, {
    method,
    headers: { ...headers, ...(text === undefined ? {} : { "content-type": "application/json" }) },
    ...(text === undefined ? {} : { body: text }),
    ...(signal ? { signal } : {}),
  });
}

export async function call<T = Record<string, unknown>>(b: RunningBridge, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await signedFetch(b, method, path, body);
  return { status: res.status, body: (await res.json()) as T };
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

export async function readSse(res: Response): Promise<SseEvent[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((e) => e.trim())
    .map((e) => {
      const lines = e.split("\n");
      const event = lines.find((l) => l.startsWith("event:"))?.slice(6).trim() ?? "message";
      const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
