// Benchmarks talk to a real `wrangler dev`: MEMOS_URL + MEMOS_API_KEY, or a fresh local one started here.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
// @ts-expect-error: plain ESM helper shared with `npm run dev`, no type declarations
import { applyMigrations, ensureDevVars, startDev } from "../../scripts/dev-lib.mjs";

export interface Server {
  url: string;
  key: string;
  stop(): Promise<void>;
}

export async function startServer(port = 8790 + Math.floor(Math.random() * 100)): Promise<Server> {
  if (process.env.MEMOS_URL && process.env.MEMOS_API_KEY) {
    return { url: process.env.MEMOS_URL, key: process.env.MEMOS_API_KEY, stop: async () => {} };
  }
  const vars = ensureDevVars() as { DEV_API_KEY: string };
  const persist = mkdtempSync(path.join(tmpdir(), "memos-bench-"));
  applyMigrations(persist);
  const { child, ready } = startDev({ port, persistTo: persist }) as { child: import("node:child_process").ChildProcess; ready: Promise<string> };
  const url = await ready;
  return {
    url,
    key: vars.DEV_API_KEY,
    stop: async () => {
      child.kill("SIGINT");
      await new Promise((r) => setTimeout(r, 500));
      rmSync(persist, { recursive: true, force: true });
    },
  };
}

export async function call<T>(server: Server, method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${server.key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}
