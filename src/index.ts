// Worker entry: HTTP through the Hono app, queue consumers, and the Durable Object classes.
import type { Env } from "./env";
import { app } from "./app";
import { handleQueue } from "./jobs/consumer";

export { CubeObject } from "../durable-objects/cube";

export default {
  fetch: app.fetch,
  queue: handleQueue,
} satisfies ExportedHandler<Env>;
