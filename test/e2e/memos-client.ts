// The TypeScript client (packages/client, from its source) pointed at a wrangler dev of the e2e helpers.
import { createMemosClient, type MemosClientOptions } from "../../packages/client/src/index.ts";
import type { Dev } from "./helpers";

export * from "../../packages/client/src/index.ts";

/** A client for `dev`'s URL and key; `options` override the defaults. */
export function clientFor(dev: Dev, options: Partial<MemosClientOptions> = {}) {
  return createMemosClient({ baseUrl: dev.url, apiKey: dev.key, ...options });
}
