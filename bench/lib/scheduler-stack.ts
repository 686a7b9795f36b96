// The stack bench:scheduler runs: a vLLM stand-in with a byte-budgeted prefix cache, a real gpu-bridge, wrangler dev pointed at it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createServer } from "node:net";
// @ts-expect-error: plain ESM helper shared with `npm run dev`, no type declarations
import { applyMigrations, ensureDevVars, startDev } from "../../scripts/dev-lib.mjs";
import { parseNodes } from "../../gpu-bridge/src/config.ts";
import { blockBudget } from "../../gpu-bridge/src/context.ts";
import { startBridge, type RunningBridge } from "../../gpu-bridge/src/server.ts";
import { startVllm, type VllmStandin } from "../../gpu-bridge/test/standins/vllm.ts";

/** A real vLLM node instead of the stand-in: VLLM_URL (and VLLM_MODEL, VLLM_API_KEY). */
const REAL = process.env.VLLM_URL ?? null;
export const MODEL = process.env.VLLM_MODEL ?? "llama-3-8b";
const SECRET = "bench-scheduler-secret-0123456789abcdef";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Stack {
  api: string;
  key: string;
  /** The stand-in; null against a real node. */
  vllm: VllmStandin | null;
  /** Empties the node's prefix cache: the stand-in's, or a real vLLM's POST /reset_prefix_cache (needs VLLM_SERVER_DEV_MODE=1). */
  resetCache(): Promise<void>;
  /** The node's own totals since the last reset; null against a real node (it does not count them for us). */
  stats(): { requests: number; prompt_tokens: number; cached_tokens: number } | null;
  /** The bytes the bridge lets blocks take on the node now (its conversation share applied). */
  blockBudgetBytes(): number;
  /** A fresh bridge (empty registry) on the same port, so that each policy starts from nothing. */
  resetBridge(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(opts: { budgetBytes: number; kvBytesPerToken: number }): Promise<Stack> {
  const vllm = REAL ? null : await startVllm({ model: MODEL, cache: { budgetBytes: opts.budgetBytes, kvBytesPerToken: opts.kvBytesPerToken } });
  const nodeUrl = REAL ?? (vllm as VllmStandin).url;
  // The node's whole prefix cache, so that the bridge keeps blocks warm in it: the stand-in's is the
  // budget itself; a real node's is given as VLLM_CACHE_BYTES (unset: the bridge does not keep warm).
  const cacheBytes = REAL ? Number(process.env.VLLM_CACHE_BYTES ?? 0) : opts.budgetBytes;
  const bridgePort = await freePort();
  const nodes = parseNodes({ nodes: [{ id: "bench-gpu", backend: "vllm", url: nodeUrl, models: [MODEL], budget_bytes: opts.budgetBytes, ...(cacheBytes ? { cache_bytes: cacheBytes } : {}), ...(process.env.CONVERSATION_SHARE ? { conversation_share: process.env.CONVERSATION_SHARE === "auto" ? "auto" : Number(process.env.CONVERSATION_SHARE) } : {}), kv_bytes_per_token: opts.kvBytesPerToken, max_loaded_adapters: 2, ...(process.env.VLLM_API_KEY ? { api_key: process.env.VLLM_API_KEY } : {}) }] });
  const start = () => startBridge({ secret: SECRET, host: "127.0.0.1", port: bridgePort, dbPath: ":memory:", nodes, maxSkewMs: 60_000, upstreamTimeoutMs: 10_000, metricsPublic: false, trainer: { timeoutMs: 1_000 }, workDir: mkdtempSync(path.join(tmpdir(), "bench-bridge-")) });
  let bridge: RunningBridge = await start();
  const vars = ensureDevVars() as { DEV_API_KEY: string };
  const persist = mkdtempSync(path.join(tmpdir(), "memos-bench-sched-"));
  applyMigrations(persist);
  const port = await freePort();
  const { child, ready } = startDev({ port, persistTo: persist, vars: { BRIDGE_URL: `http://127.0.0.1:${bridgePort}`, BRIDGE_SECRET: SECRET, BRIDGE_TIMEOUT_MS: "10000" } }) as { child: import("node:child_process").ChildProcess; ready: Promise<string> };
  const api = await ready;
  return {
    api,
    key: vars.DEV_API_KEY,
    vllm,
    async resetCache() {
      if (vllm) return vllm.cache.clear();
      const r = await fetch(`${nodeUrl}/reset_prefix_cache`, { method: "POST", headers: process.env.VLLM_API_KEY ? { authorization: `Bearer ${process.env.VLLM_API_KEY}` } : {} });
      if (!r.ok) console.warn(`reset_prefix_cache answered ${r.status}: start vLLM with VLLM_SERVER_DEV_MODE=1, or policies share a warm cache`);
    },
    stats() {
      return vllm ? vllm.cache.stats : null;
    },
    blockBudgetBytes() {
      return blockBudget(bridge.deps, bridge.deps.config.nodes[0] as (typeof nodes)[number]);
    },
    async resetBridge() {
      await bridge.close();
      bridge = await start();
    },
    async stop() {
      child.kill("SIGINT");
      await new Promise((r) => setTimeout(r, 500));
      await bridge.close();
      await vllm?.close();
      rmSync(persist, { recursive: true, force: true });
    },
  };
}
