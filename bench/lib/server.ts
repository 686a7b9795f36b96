// Benchmarks talk to a real `wrangler dev` through @memos-edge/client: MEMOS_URL + MEMOS_API_KEY, or a fresh local one started here.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
// @ts-expect-error: plain ESM helper shared with `npm run dev`, no type declarations
import { applyMigrations, ensureDevVars, startDev } from "../../scripts/dev-lib.mjs";
import { createMemosClient, type MemosClient, type MemosClientOptions } from "../../packages/client/src/index.ts";

export interface Server {
  url: string;
  key: string;
  /** The client with its defaults (retries on 429/503, an Idempotency-Key on every write), for untimed calls such as the miss analysis. */
  client: MemosClient;
  /**
   * One request per call, no retry, no Idempotency-Key added: what a timed call uses, so that a
   * sample is the one request it always was and a failure ends the run instead of hiding in a latency.
   */
  single: MemosClient;
  stop(): Promise<void>;
}

export function withClients(url: string, key: string, stop: () => Promise<void>): Server {
  const clientWith = (options: Partial<MemosClientOptions>) => createMemosClient({ baseUrl: url, apiKey: key, ...options });
  return { url, key, client: clientWith({}), single: clientWith({ retry: false, idempotencyKeys: false }), stop };
}

export async function startServer(port = 8790 + Math.floor(Math.random() * 100)): Promise<Server> {
  if (process.env.MEMOS_URL && process.env.MEMOS_API_KEY) {
    return withClients(process.env.MEMOS_URL, process.env.MEMOS_API_KEY, async () => {});
  }
  const vars = ensureDevVars() as { DEV_API_KEY: string };
  const persist = mkdtempSync(path.join(tmpdir(), "memos-bench-"));
  applyMigrations(persist);
  const { child, ready } = startDev({ port, persistTo: persist }) as { child: import("node:child_process").ChildProcess; ready: Promise<string> };
  const url = await ready;
  return withClients(url, vars.DEV_API_KEY, async () => {
    child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 500));
    rmSync(persist, { recursive: true, force: true });
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}
