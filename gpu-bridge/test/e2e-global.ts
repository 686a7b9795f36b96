// The root suite's globalSetup (Node, through test/setup/bridge-global.ts): a vLLM stand-in and a
// real gpu-bridge on fixed loopback ports, so the Worker under test (BRIDGE_URL in the root
// vitest.config.ts) reaches the bridge end to end. Lives here to be type-checked with Node types.
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseNodes } from "../src/config.js";
import { startBridge } from "../src/server.js";
import { startVllm } from "./standins/vllm.js";

/** The root vitest.config.ts picks free ports and passes them here and to the Worker (BRIDGE_URL). */
export const BRIDGE_PORT = Number(process.env.TEST_BRIDGE_PORT ?? 18792);
export const BRIDGE_SECRET = "e2e-bridge-secret-0123456789abcdef";
export const E2E_MODEL = "llama-3-8b";
/** A bridge that answers only after a second, far past the Worker's timeout there (test/bridge-degrade.test.ts). */
export const SILENT_PORT = Number(process.env.TEST_SILENT_PORT ?? 18793);
/** A second bridge over the same stand-in whose node holds 1,000 tokens of blocks, for ranking refusals (test/activation.test.ts). */
export const TIGHT_PORT = Number(process.env.TEST_TIGHT_BRIDGE_PORT ?? 18794);

/**
 * Retries while the port is taken: the ports are fixed (the Worker's bindings are static), so a
 * second root suite started in the same checkout waits for the first one instead of failing.
 */
async function onFreePort<T>(what: string, start: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      return await start();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || Date.now() > deadline) {
        throw new Error(`${what}: ${String(err)} (is another root test run holding ports ${BRIDGE_PORT}/${SILENT_PORT}?)`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const vllm = await startVllm({ model: E2E_MODEL });
  const dir = mkdtempSync(join(tmpdir(), "bridge-e2e-"));
  // A trainer command that reports an adapter under the stand-in's /adapters/ tree at once.
  const trainer = join(dir, "trainer.mjs");
  writeFileSync(trainer, 'console.log(JSON.stringify({ adapter_path: "/adapters/trained-" + process.env.BRIDGE_JOB_ID }));\n');
  const bridge = await onFreePort("gpu-bridge for the e2e tests", () => startBridge({
    secret: BRIDGE_SECRET,
    host: "127.0.0.1",
    port: BRIDGE_PORT,
    dbPath: ":memory:",
    nodes: parseNodes({
      nodes: [{ id: "e2e-gpu", backend: "vllm", url: vllm.url, models: [E2E_MODEL], budget_bytes: 1_000_000_000, kv_bytes_per_token: 1000, max_loaded_adapters: 2 }],
    }),
    maxSkewMs: 60_000,
    upstreamTimeoutMs: 5_000,
    metricsPublic: false,
    trainer: { command: [process.execPath, trainer], timeoutMs: 10_000 },
    workDir: join(dir, "jobs"),
  }));
  const tight = await onFreePort("tight gpu-bridge", () => startBridge({
    secret: BRIDGE_SECRET,
    host: "127.0.0.1",
    port: TIGHT_PORT,
    dbPath: ":memory:",
    nodes: parseNodes({ nodes: [{ id: "tight-gpu", backend: "vllm", url: vllm.url, models: [E2E_MODEL], budget_bytes: 1_000_000, kv_bytes_per_token: 1000 }] }),
    maxSkewMs: 60_000,
    upstreamTimeoutMs: 5_000,
    metricsPublic: false,
    trainer: { timeoutMs: 1_000 },
    workDir: join(dir, "tight-jobs"),
  }));
  const held = new Set<Socket>();
  const silent = createServer((s) => {
    held.add(s);
    s.on("close", () => held.delete(s));
    s.on("error", () => undefined);
    // Answer late but cleanly: a connection cut from this side shows up as noise in workerd.
    setTimeout(() => s.end("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"), 1_000).unref();
  });
  await onFreePort("silent bridge", () =>
    new Promise<void>((resolve, reject) => {
      silent.once("error", reject);
      silent.listen(SILENT_PORT, "127.0.0.1", () => {
        silent.off("error", reject);
        resolve();
      });
    }),
  );
  return async () => {
    for (const s of held) s.destroy();
    await new Promise((r) => silent.close(r));
    await bridge.close();
    await tight.close();
    await vllm.close();
  };
}
