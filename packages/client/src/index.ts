// Public entry of @memos-edge/client.
export { createMemosClient, type CallOptions, type MemosClient, type MemosClientOptions, type Query, type RequestBody } from "./client.js";
export { MemosError, type MemosErrorCode } from "./errors.js";
export { isIdempotent, retryAfterMs, retryingFetch, type RetryOptions } from "./retry.js";
export type { paths } from "./schema.js";
