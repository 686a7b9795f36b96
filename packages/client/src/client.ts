// createMemosClient: openapi-fetch over the generated paths, with auth, idempotency keys, retries and MemosError, plus thin helpers for the main flows.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { paths } from "./schema.js";
import { MemosError } from "./errors.js";
import { retryingFetch, type RetryOptions } from "./retry.js";

export interface MemosClientOptions {
  /** The Worker's origin, e.g. `https://memos.example.com` (no `/v1`). */
  baseUrl: string;
  /** An API key (`mk_...`), or the ADMIN_TOKEN for the `/v1/admin` routes; sent as `Authorization: Bearer`. */
  apiKey: string;
  /** Retry policy for 429, 503 and network errors; `false` sends each request once. */
  retry?: RetryOptions | false;
  /** Give every write (any method but GET, HEAD, OPTIONS) an `Idempotency-Key` unless it has one (default true). */
  idempotencyKeys?: boolean;
  /** The fetch to send with (default `globalThis.fetch`); each attempt of a retry calls it again. */
  fetch?: (input: Request) => Promise<Response>;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

/** Per-call options of the helpers. */
export interface CallOptions {
  /** The Idempotency-Key of this write (default: a fresh UUID, the same across the retries of this call). */
  idempotencyKey?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

type Op<P extends keyof paths, M extends keyof paths[P]> = paths[P][M];
type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
/** The JSON body an operation takes. */
export type RequestBody<P extends keyof paths, M extends keyof paths[P]> = Op<P, M> extends { requestBody?: infer R } ? Json<NonNullable<R>> : never;
/** The query parameters an operation takes. */
export type Query<P extends keyof paths, M extends keyof paths[P]> = Op<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

function headersOf(options: CallOptions | undefined): Record<string, string> {
  return { ...options?.headers, ...(options?.idempotencyKey === undefined ? {} : { "Idempotency-Key": options.idempotencyKey }) };
}

/** The data of a 2xx answer (non-2xx answers have already thrown a MemosError). */
function must<T>(result: { data?: T; response: Response }): T {
  if (result.data === undefined) throw new MemosError({ code: "empty_response", message: `HTTP ${result.response.status} with no body`, status: result.response.status, requestId: result.response.headers.get("x-request-id") });
  return result.data;
}

/** The client: `GET`, `POST`, `PATCH`, `DELETE`, ... typed over every path of the document, and helpers for the main flows. */
export function createMemosClient(options: MemosClientOptions) {
  if (!options.baseUrl) throw new Error("createMemosClient: baseUrl is required");
  if (!options.apiKey) throw new Error("createMemosClient: apiKey is required");
  const baseFetch = options.fetch ?? ((input: Request) => globalThis.fetch(input));
  const idempotencyKeys = options.idempotencyKeys ?? true;

  const api: Client<paths> = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    fetch: options.retry === false ? baseFetch : retryingFetch(baseFetch, options.retry),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const middleware: Middleware = {
    onRequest({ request }) {
      if (!request.headers.has("authorization")) request.headers.set("authorization", `Bearer ${options.apiKey}`);
      if (idempotencyKeys && !READS.has(request.method) && !request.headers.has("idempotency-key")) request.headers.set("idempotency-key", crypto.randomUUID());
      return request;
    },
    async onResponse({ response }) {
      if (!response.ok) throw await MemosError.fromResponse(response);
      return undefined;
    },
  };
  api.use(middleware);

  return Object.assign(api, {
    memories: {
      /** POST /v1/memories: stores `text` directly (infer false, 201) or extracts from `messages` in a job (202, or 201 with `sync`). */
      add: async (body: RequestBody<"/v1/memories", "post">, o?: CallOptions) => must(await api.POST("/v1/memories", { body, headers: headersOf(o), signal: o?.signal })),
      list: async (query: Query<"/v1/memories", "get"> = {}, o?: CallOptions) => must(await api.GET("/v1/memories", { params: { query }, headers: headersOf(o), signal: o?.signal })),
      get: async (id: string, query: Query<"/v1/memories/{id}", "get"> = {}, o?: CallOptions) =>
        must(await api.GET("/v1/memories/{id}", { params: { path: { id }, query }, headers: headersOf(o), signal: o?.signal })),
      update: async (id: string, body: RequestBody<"/v1/memories/{id}", "patch">, o?: CallOptions) =>
        must(await api.PATCH("/v1/memories/{id}", { params: { path: { id } }, body, headers: headersOf(o), signal: o?.signal })),
      delete: async (id: string, query: Query<"/v1/memories/{id}", "delete"> = {}, o?: CallOptions) =>
        must(await api.DELETE("/v1/memories/{id}", { params: { path: { id }, query }, headers: headersOf(o), signal: o?.signal })),
      /** DELETE /v1/memories: every memory of a scope. */
      deleteAll: async (query: Query<"/v1/memories", "delete">, o?: CallOptions) => must(await api.DELETE("/v1/memories", { params: { query }, headers: headersOf(o), signal: o?.signal })),
      history: async (id: string, query: Query<"/v1/memories/{id}/history", "get"> = {}, o?: CallOptions) =>
        must(await api.GET("/v1/memories/{id}/history", { params: { path: { id }, query }, headers: headersOf(o), signal: o?.signal })),
    },
    search: async (body: RequestBody<"/v1/search", "post">, o?: CallOptions) => must(await api.POST("/v1/search", { body, headers: headersOf(o), signal: o?.signal })),
    context: async (body: RequestBody<"/v1/context", "post">, o?: CallOptions) => must(await api.POST("/v1/context", { body, headers: headersOf(o), signal: o?.signal })),
    feedback: async (body: RequestBody<"/v1/feedback", "post">, o?: CallOptions) => must(await api.POST("/v1/feedback", { body, headers: headersOf(o), signal: o?.signal })),
    entities: async (query: Query<"/v1/entities", "get">, o?: CallOptions) => must(await api.GET("/v1/entities", { params: { query }, headers: headersOf(o), signal: o?.signal })),
    jobs: {
      get: async (id: string, o?: CallOptions) => must(await api.GET("/v1/jobs/{id}", { params: { path: { id } }, headers: headersOf(o), signal: o?.signal })),
    },
    cubes: {
      create: async (body: RequestBody<"/v1/cubes", "post"> = {}, o?: CallOptions) => must(await api.POST("/v1/cubes", { body, headers: headersOf(o), signal: o?.signal })),
      list: async (query: Query<"/v1/cubes", "get"> = {}, o?: CallOptions) => must(await api.GET("/v1/cubes", { params: { query }, headers: headersOf(o), signal: o?.signal })),
      get: async (id: string, o?: CallOptions) => must(await api.GET("/v1/cubes/{id}", { params: { path: { id } }, headers: headersOf(o), signal: o?.signal })),
      delete: async (id: string, o?: CallOptions) => must(await api.DELETE("/v1/cubes/{id}", { params: { path: { id } }, headers: headersOf(o), signal: o?.signal })),
    },
    keys: {
      /** POST /v1/keys: the secret is in the answer once (null when an Idempotency-Key replays it). */
      create: async (body: RequestBody<"/v1/keys", "post">, o?: CallOptions) => must(await api.POST("/v1/keys", { body, headers: headersOf(o), signal: o?.signal })),
      list: async (o?: CallOptions) => must(await api.GET("/v1/keys", { headers: headersOf(o), signal: o?.signal })),
      revoke: async (id: string, o?: CallOptions) => must(await api.DELETE("/v1/keys/{id}", { params: { path: { id } }, headers: headersOf(o), signal: o?.signal })),
    },
  });
}

export type MemosClient = ReturnType<typeof createMemosClient>;
