// The console's one door to the service: the typed @memos-edge/client with the signed-in key from sessionStorage.
import { createMemosClient, MemosError, type MemosClient } from "@memos-edge/client";

const KEY = "memos-console:key";

/** The key lives in this tab's sessionStorage only: never in a URL, a cookie or a log. */
export const session = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  /** Signing out forgets the key and everything else this tab kept (the jobs it started). */
  clear: () => {
    for (const k of Object.keys(sessionStorage)) if (k.startsWith("memos-console:")) sessionStorage.removeItem(k);
    cached = null;
  },
};

let cached: { key: string; client: MemosClient } | null = null;

/** The client of the signed-in key (same origin as the console). */
export function client(): MemosClient {
  const key = session.get();
  if (!key) throw new MemosError({ code: "unauthorized", message: "not signed in", status: 401, requestId: null });
  if (cached?.key !== key) cached = { key, client: createMemosClient({ baseUrl: location.origin, apiKey: key, retry: { maxAttempts: 3, maxWaitMs: 5_000 } }) };
  return cached.client;
}

/** Checks a key by reading the cube list (any scoped key may), so sign-in fails on a wrong key at once. */
export async function checkKey(key: string): Promise<void> {
  const probe = createMemosClient({ baseUrl: location.origin, apiKey: key, retry: false });
  await probe.cubes.list({ limit: 1 });
}

/** What a failed call means for the person looking at the page, and what to do about it. */
export function explain(error: unknown): { title: string; hint: string; code: string; requestId: string | null } {
  if (error instanceof MemosError) {
    const hints: Record<string, string> = {
      unauthorized: "The key was refused: it may be revoked or mistyped. Sign out and sign in with a valid key.",
      forbidden: "This key lacks the scope this page needs. Sign in with a key that has it (Keys page, or ask an admin).",
      not_found: "Nothing with this id is visible to this key. Check the id, or go back to the list.",
      invalid_request: "The service refused the input. Correct the highlighted fields and try again.",
      conflict: "Someone changed this in the meantime. Reload to see the latest version, then try again.",
      upstream_unavailable: "A provider the service depends on is down. Try again in a moment.",
      rate_limited: "Too many requests for this key. Wait a moment and try again.",
    };
    return { title: error.message, hint: hints[error.code] ?? "Try again; if it persists, note the request id for the logs.", code: error.code, requestId: error.requestId };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { title: message, hint: "The service could not be reached. Check that it is running (npm run dev) and try again.", code: "network", requestId: null };
}

export { MemosError };
export type { MemosClient };
