// Entry point: `npm run dev` in gpu-bridge/ (or `npm run dev:bridge` at the root).
import { loadConfig } from "./config.js";
import { startBridge } from "./server.js";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(`[gpu-bridge] ${(err as Error).message}`);
    process.exit(1);
  }
  const bridge = await startBridge(config);
  console.log(`[gpu-bridge] listening on ${bridge.url}; nodes: ${config.nodes.map((n) => `${n.id} (${n.backend} ${n.url})`).join(", ")}`);
  const stop = () => {
    void bridge.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

void main();
