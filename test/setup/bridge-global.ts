// vitest globalSetup (Node): a vLLM stand-in and a real gpu-bridge on fixed loopback ports, so the
// Worker under test (BRIDGE_URL in vitest.config.ts) reaches the bridge end to end.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseNodes } from "../../gpu-bridge/src/config";
import { startBridge } from "../../gpu-bridge/src/server";
import { startVllm } from "../../gpu-bridge/test/standins/vllm";

/** Must match BRIDGE_URL / BRIDGE_SECRET in vitest.config.ts. */
export const BRIDGE_PORT = 18792;
export const BRIDGE_SECRET = "e2e-bridge-secret-0123456789abcdef";
export const E2E_MODEL = "llama-3-8b";

export default async function setup(): Promise<() => Promise<void>> {
  const vllm = await startVllm({ model: E2E_MODEL });
  const dir = mkdtempSync(join(tmpdir(), "bridge-e2e-"));
  // A trainer command that reports an adapter under the stand-in's /adapters/ tree at once.
  const trainer = join(dir, "trainer.mjs");
  writeFileSync(trainer, 'console.log(JSON.stringify({ adapter_path: "/adapters/trained-" + process.env.BRIDGE_JOB_ID }));\n');
  const bridge = await startBridge({
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
  });
  return async () => {
    await bridge.close();
    await vllm.close();
  };
}
