// A fetch that retries 429 and 503 (and network errors of idempotent requests), honouring Retry-After, within bounds.

export interface RetryOptions {
  /** Attempts in all, the first included (default 4; 1 disables retries). */
  maxAttempts?: number;
  /** Total time spent waiting between attempts, in ms (default 30,000); a wait that would pass it is not taken. */
  maxWaitMs?: number;
  /** First backoff when the server names no Retry-After, in ms, doubled per attempt with jitter (default 250). */
  baseDelayMs?: number;
  /** Longest single wait, in ms (default 10,000); a longer Retry-After ends the retries. */
  maxDelayMs?: number;
  /** Statuses retried (default 429 and 503). */
  statuses?: readonly number[];
}

type Fetch = (input: Request) => Promise<Response>;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

/**
 * Milliseconds a `Retry-After` value asks for: delta-seconds or an HTTP date (RFC 9110 §10.2.3);
 * null when absent or unreadable.
 */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** A request whose repetition changes nothing more than its first run: safe methods, or writes carrying an Idempotency-Key. */
export function isIdempotent(request: Request): boolean {
  return SAFE_METHODS.has(request.method.toUpperCase()) || request.headers.has("idempotency-key");
}

function sleep(ms: number, signal: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Wraps `fetchImpl` so that each request is sent up to `maxAttempts` times: again after a 429 or
 * 503 (waiting what `Retry-After` says, else an exponential backoff), and after a network error
 * when the request is idempotent. Every attempt sends a clone of the same request, so its
 * headers (the Idempotency-Key among them) are the same each time. The last answer is returned
 * as it came; the last network error is thrown.
 */
export function retryingFetch(fetchImpl: Fetch, options: RetryOptions = {}): Fetch {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const maxWaitMs = options.maxWaitMs ?? 30_000;
  const baseDelayMs = options.baseDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const statuses = new Set(options.statuses ?? [429, 503]);
  const backoff = (attempt: number) => Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));

  return async function fetchWithRetries(request) {
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= maxAttempts;
      let delay: number;
      let response: Response | undefined;
      try {
        // `as Request`: clone()'s declared type differs where lib.dom and workers-types meet (bench/).
        response = await fetchImpl(last ? request : (request.clone() as Request));
      } catch (error) {
        if (last || request.signal.aborted || !isIdempotent(request)) throw error;
        delay = backoff(attempt);
        if (waited + delay > maxWaitMs) throw error;
        await sleep(delay, request.signal);
        waited += delay;
        continue;
      }
      if (last || !statuses.has(response.status)) return response;
      delay = retryAfterMs(response.headers.get("retry-after")) ?? backoff(attempt);
      if (delay > maxDelayMs || waited + delay > maxWaitMs) return response;
      await response.body?.cancel();
      await sleep(delay, request.signal);
      waited += delay;
    }
  };
}
