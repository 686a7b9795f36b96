// Opens the registry, builds backends and the app, and serves it; used by main.ts and the tests.
import { getRequestListener } from "@hono/node-server";
import type { ReplayCache } from "@memos-edge/bridge-protocol";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createBridgeApp } from "./app.js";
import { createVerifier } from "./auth.js";
import { createBackend } from "./backends/index.js";
import { closeUpstreams } from "./backends/http.js";
import type { BridgeConfig } from "./config.js";
import { makeDeps } from "./context.js";
import type { BridgeDeps } from "./context.js";
import { Metrics } from "./metrics.js";
import { RegistryDb } from "./registry/db.js";
import { generateHandler, GENERATE_PATH } from "./routes/generate.js";
import { recoverJobs } from "./services/training.js";

export interface RunningBridge {
  url: string;
  port: number;
  deps: BridgeDeps;
  close(): Promise<void>;
}

/**
 * Earlier bridges accepted `pinned` on every backend. On a node that cannot pin, such a pin only
 * kept the block out of the bridge's own LRU while the server evicted it anyway, and it held
 * budget that nothing else could use: clear it at start.
 */
function dropPinsNotHonoured(deps: BridgeDeps): void {
  for (const [id, b] of deps.backends) {
    if (b.capabilities.pin !== "none") continue;
    const n = deps.blocks.unpinNode(id);
    if (n === 0) continue;
    deps.db.persist();
    console.warn(`[gpu-bridge] unpinned ${n} block(s) on node ${id}: backend ${b.kind} cannot pin (its server evicts by its own LRU)`);
  }
}

export async function startBridge(config: BridgeConfig, opts: { now?: () => number; replay?: ReplayCache } = {}): Promise<RunningBridge> {
  const db = await RegistryDb.open(config.dbPath === ":memory:" ? null : config.dbPath);
  const backends = new Map(config.nodes.map((n) => [n.id, createBackend(n, config.upstreamTimeoutMs)] as const));
  const deps = makeDeps({ config, db, backends, metrics: new Metrics(), now: opts.now ?? Date.now });
  recoverJobs(deps);
  dropPinsNotHonoured(deps);
  const verify = createVerifier({ secret: config.secret, maxSkewMs: config.maxSkewMs, ...(opts.replay ? { replay: opts.replay } : {}) });
  const hono = getRequestListener(createBridgeApp(deps, verify).fetch);
  const generate = generateHandler(deps, verify);
  // The hot path bypasses the fetch adapter; the query is part of the signed path, not the route.
  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (req.method === "POST" && (url === GENERATE_PATH || url.startsWith(`${GENERATE_PATH}?`))) generate(req, res);
    else void hono(req, res);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    closeUpstreams(config.nodes);
    db.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${config.host}:${port}`,
    port,
    deps,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          closeUpstreams(config.nodes);
          db.close();
          resolve();
        });
      }),
  };
}
