// The bridge's Hono app: metrics, signature check, routes, one error handler.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId, type RequestIdVariables } from "hono/request-id";
import { requireSignature } from "./auth.js";
import type { Verify } from "./auth.js";
import { blockBudget, type BridgeDeps } from "./context.js";
import { BridgeError, onBridgeError } from "./errors.js";
import { activationRoutes } from "./routes/activation.js";
import { adapterRoutes } from "./routes/adapters.js";

/**
 * Every route but POST /v1/generate, which server.ts serves on plain node:http (routes/generate.ts)
 * with the same `verify`, so one replay cache covers both.
 */
export function createBridgeApp(deps: BridgeDeps, verify: Verify): Hono<{ Variables: RequestIdVariables }> {
  const app = new Hono<{ Variables: RequestIdVariables }>();
  // The Worker sends its own request id, so one id names a request in both services' logs.
  app.use("*", requestId());

  app.use("*", async function measure(c, next) {
    const t0 = performance.now();
    await next();
    deps.metrics.request(c.req.routePath || "unmatched", c.req.method, c.res.status, (performance.now() - t0) / 1000);
  });

  app.get("/healthz", (c) =>
    c.json({ ok: true, nodes: deps.config.nodes.map((n) => ({ id: n.id, backend: n.backend, capabilities: deps.backends.get(n.id)?.capabilities ?? null })) }),
  );

  // Before the signature check, which reads and hashes the whole body.
  app.use(
    "*",
    bodyLimit({
      maxSize: 64 * 1024 * 1024,
      onError: () => {
        throw new BridgeError("invalid_request", "body larger than 64 MiB");
      },
    }),
  );
  app.use(
    "*",
    requireSignature({
      secret: deps.config.secret,
      maxSkewMs: deps.config.maxSkewMs,
      open: deps.config.metricsPublic ? ["/healthz", "/metrics"] : ["/healthz"],
      verify,
    }),
  );

  app.get("/metrics", (c) =>
    c.text(deps.metrics.render({ nodes: () => nodeStats(deps) }), 200, { "content-type": "text/plain; version=0.0.4" }),
  );

  app.get("/v1/nodes", (c) => c.json({ nodes: nodeStats(deps).map((n) => ({ ...n, ...nodeInfo(deps, n.id) })) }));

  app.route("/", activationRoutes(deps));
  app.route("/", adapterRoutes(deps));
  app.notFound(() => {
    throw new BridgeError("not_found", "no such route");
  });
  app.onError(onBridgeError);
  return app;
}

function nodeStats(deps: BridgeDeps) {
  return deps.config.nodes.map((n) => ({
    id: n.id,
    bytesInUse: deps.blocks.bytesInUse(n.id),
    budgetBytes: blockBudget(deps, n),
    kvBytesPerToken: n.kv_bytes_per_token,
    loadedAdapters: deps.adapters.loadsOn(n.id).length,
    blocks: deps.blocks.listByNode(n.id).length,
  }));
}

function nodeInfo(deps: BridgeDeps, id: string) {
  const n = deps.config.nodes.find((x) => x.id === id);
  const b = deps.backends.get(id);
  return n && b
    ? { backend: n.backend, models: n.models, max_loaded_adapters: n.max_loaded_adapters, operations: [...b.operations], capabilities: b.capabilities }
    : {};
}
