// Opens the registry, builds backends and the app, and serves it; used by main.ts and the tests.
import { serve } from "@hono/node-server";
import type { ServerType } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import type { ReplayCache } from "../../src/bridge/signing.js";
import { createBridgeApp } from "./app.js";
import { createBackend } from "./backends/index.js";
import type { BridgeConfig } from "./config.js";
import { makeDeps } from "./context.js";
import type { BridgeDeps } from "./context.js";
import { Metrics } from "./metrics.js";
import { RegistryDb } from "./registry/db.js";
import { recoverJobs } from "./services/training.js";

export interface RunningBridge {
  url: string;
  port: number;
  deps: BridgeDeps;
  close(): Promise<void>;
}

export async function startBridge(config: BridgeConfig, opts: { now?: () => number; replay?: ReplayCache } = {}): Promise<RunningBridge> {
  const db = await RegistryDb.open(config.dbPath === ":memory:" ? null : config.dbPath);
  const backends = new Map(config.nodes.map((n) => [n.id, createBackend(n, config.upstreamTimeoutMs)] as const));
  const deps = makeDeps({ config, db, backends, metrics: new Metrics(), now: opts.now ?? Date.now });
  recoverJobs(deps);
  const app = createBridgeApp(deps, opts.replay ? { replay: opts.replay } : {});
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${config.host}:${port}`,
    port,
    deps,
    close: () =>
      new Promise<void>((resolve) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close(() => {
          db.close();
          resolve();
        });
      }),
  };
}
