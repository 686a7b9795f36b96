// The Hono app: middleware, one sub-app per resource, one error handler.
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./api/app-env";
import { ApiError } from "./errors";
import { assertMasterKey, masterKeyState } from "./services/data-keys";
import { authenticate, onError, requestId } from "./api/middleware";
import { routes } from "./api/route";
import { wellFormedJson } from "./api/validate";
import { memories } from "./api/memories";
import { skills } from "./api/skills";
import { cubeLifecycle, memoryLifecycle } from "./api/lifecycle";
import { cubeScheduler } from "./api/scheduler";
import { sessions } from "./api/sessions";
import { profileRoutes } from "./api/profile";
import { cubePrivacy, memoryPrivacy, privacyTools } from "./api/privacy";
import { search } from "./api/search";
import { contextRoute } from "./api/context";
import { chat, chatIdempotency } from "./api/chat";
import { activationConfig } from "./api/activation";
import { parameterMemory } from "./api/parameter-memory";
import { jobs } from "./api/jobs";
import { cubes } from "./api/cubes";
import { admin } from "./api/admin";
import { docs } from "./api/docs";
import { feedback } from "./api/feedback";
import { entities } from "./api/entities";
import { bridgeRoutes } from "./api/bridge";
import { authorizeCube, desensitizeForNode } from "./api/access";
import { d1Idempotency, tenantIdempotency } from "./api/idempotency";
import { keys, redactKeySecret } from "./api/keys";
import { grantRoutes } from "./api/grants";
import { exportRoutes } from "./api/export";
import { redactWebhookSecret, webhooks } from "./api/webhooks";
import { audit } from "./api/audit";
import { groups } from "./api/groups";
import { hub } from "./api/hub";
import { mcp } from "./mcp/route";
import { mem0 } from "./compat/mem0/app";
import { memos } from "./compat/memos";

export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export const app = routes();

app.use("*", requestId);
// nosniff, no framing, no referrer on every answer; the API is called cross-origin, so resources stay shareable.
app.use("*", secureHeaders({ crossOriginResourcePolicy: false, crossOriginOpenerPolicy: false }));
app.use(
  "/v1/*",
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError("payload_too_large", `request body is larger than ${MAX_BODY_BYTES} bytes`);
    },
  }),
);
// Reports whether the service can seal data at rest; with no (or a malformed) master key outside
// development it answers 503, and so does every request past the document (fail closed).
app.get("/healthz", (c) => {
  const { state } = masterKeyState(c.env);
  const ok = state === "configured" || state === "development";
  return c.json({ ok, encryption: state }, ok ? 200 : 503);
});
// JSON bodies are checked once (UTF-8, parses, no lone surrogate) before any route validates one.
app.use("/v1/*", wellFormedJson);
app.route("/", docs(app));
// Everything past the health check and the OpenAPI document needs the master key (fail closed).
app.use("*", async (c, next) => {
  assertMasterKey(c.env);
  await next();
});
app.route("/v1/admin", admin);

const v1 = routes();
v1.use("*", authenticate);
// Writes that D1 or the gpu-bridge serve keep their Idempotency-Key answers in D1; cube writes
// (memories, feedback) keep theirs in the cube, in the transaction of the write.
v1.use("/cubes/*", tenantIdempotency);
v1.use("/grants/*", tenantIdempotency);
v1.use("/keys/*", d1Idempotency({ scope: (c) => c.get("auth").tenant_id, redact: redactKeySecret }));
v1.use("/webhooks/*", d1Idempotency({ scope: (c) => c.get("auth").tenant_id, redact: redactWebhookSecret }));
// Verify only reads, but its answer changes as entries are added: a retried call gets the first.
v1.use("/audit/*", d1Idempotency({ scope: (c) => c.get("auth").tenant_id }));
v1.use("/groups/*", tenantIdempotency);
v1.use("/hub/*", tenantIdempotency);
v1.use("/chat", chatIdempotency);
v1.route("/memories", memories);
v1.route("/memories", memoryLifecycle);
v1.route("/memories", memoryPrivacy);
v1.route("/skills", skills);
v1.route("/search", search);
v1.route("/context", contextRoute);
v1.route("/chat", chat);
v1.route("/jobs", jobs);
v1.route("/cubes", cubes);
v1.route("/cubes", cubeLifecycle);
v1.route("/cubes", cubeScheduler);
v1.route("/cubes", activationConfig);
v1.route("/cubes", parameterMemory);
v1.route("/sessions", sessions);
v1.route("/profile", profileRoutes);
v1.route("/cubes", cubePrivacy);
v1.route("/privacy", privacyTools);
v1.route("/cubes", bridgeRoutes({ authorize: authorizeCube, desensitize: desensitizeForNode }));
v1.route("/", grantRoutes);
v1.route("/", exportRoutes);
v1.route("/keys", keys);
v1.route("/webhooks", webhooks);
v1.route("/audit", audit);
v1.route("/feedback", feedback);
v1.route("/entities", entities);
v1.route("/groups", groups);
v1.route("/hub", hub);
app.route("/api/openmem/v1", memos);
app.route("/mem0", mem0);
app.route("/v1", v1);
app.route("/mcp", mcp);

app.notFound((c) => {
  throw new ApiError("not_found", `no route for ${c.req.method} ${c.req.path}`);
});
app.onError(onError);
