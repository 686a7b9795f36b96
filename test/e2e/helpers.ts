// Node-side end-to-end helpers: a real `wrangler dev` on a fresh local state, and JSON calls to it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll } from "vitest";
// @ts-expect-error: plain ESM helper shared with `npm run dev`, no type declarations
import { applyMigrations, ensureDevVars, startDev } from "../../scripts/dev-lib.mjs";

export interface Dev {
  url: string;
  key: string;
  /** Where wrangler keeps this run's local D1, Durable Objects and Queues. */
  state: string;
  child: ChildProcess;
  output: string[];
  /** Stops wrangler (SIGINT, then SIGKILL after 10 s) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Removes the state folder. */
  remove(): void;
}

let nextPort = 18_900 + Math.floor(Math.random() * 50) * 2;

export async function startWrangler(vars: Record<string, string> = {}, state?: string): Promise<Dev> {
  const { DEV_API_KEY } = ensureDevVars() as { DEV_API_KEY: string };
  const dir = state ?? mkdtempSync(path.join(tmpdir(), "memos-e2e-"));
  if (!state) applyMigrations(dir);
  const port = nextPort;
  nextPort += 2;
  const output: string[] = [];
  const { child, ready } = startDev({ port, persistTo: dir, inspectorPort: port + 1, vars, onLine: (l: string) => output.push(l) }) as {
    child: ChildProcess;
    ready: Promise<string>;
  };
  const url = await ready;
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  return {
    url,
    key: DEV_API_KEY,
    state: dir,
    child,
    output,
    stop: async (signal = "SIGINT") => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function call<T = Record<string, unknown>>(dev: Dev, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${dev.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${dev.key}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T, headers: res.headers };
}

/** A wrangler dev for the enclosing describe block, started before its tests and removed after: call the getter inside a test. */
export function useWrangler(vars: Record<string, string> = {}): () => Dev {
  let dev: Dev | null = null;
  beforeAll(async () => {
    dev = await startWrangler(vars);
  });
  afterAll(async () => {
    await dev?.stop();
    dev?.remove();
  });
  return () => {
    if (!dev) throw new Error("wrangler dev is not started: call the getter inside a test");
    return dev;
  };
}
