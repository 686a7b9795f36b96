// One JSON POST to an OpenAI-compatible endpoint, with the error mapping both adapters share.
import { ProviderError } from "./errors";

export interface OpenAiPost {
  fetchFn: typeof fetch;
  url: string;
  apiKey?: string | undefined;
  body: unknown;
  timeoutMs: number;
}

/**
 * Returns the parsed JSON answer. Network failures and timeouts are retryable ProviderErrors;
 * a 4xx other than 408/429 will not get better by retrying, nor will an answer that is not JSON.
 */
export async function postOpenAiJson(p: OpenAiPost): Promise<unknown> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (p.apiKey) headers.authorization = `Bearer ${p.apiKey}`;
  let res: Response;
  try {
    res = await p.fetchFn(p.url, { method: "POST", headers, body: JSON.stringify(p.body), signal: AbortSignal.timeout(p.timeoutMs) });
  } catch (err) {
    const name = err instanceof Error ? err.name : "";
    const why = name === "TimeoutError" || name === "AbortError" ? `timed out after ${p.timeoutMs} ms` : String(err);
    throw new ProviderError("openai", why);
  }
  if (!res.ok) {
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
    const text = (await res.text().catch(() => "")).slice(0, 200);
    throw new ProviderError("openai", `HTTP ${res.status}${text ? `: ${text}` : ""}`, retryable);
  }
  try {
    return await res.json();
  } catch {
    throw new ProviderError("openai", "answer is not JSON", false);
  }
}

/** The URL of an endpoint (`/v1/embeddings`, `/v1/chat/completions`) under OPENAI_BASE_URL, with or without its `/v1`. */
export function openAiEndpoint(baseUrl: string, endpoint: string): string {
  const base = baseUrl.trim().replace(/\/+$/, "");
  if (!/^https?:\/\//.test(base)) throw new Error(`OPENAI_BASE_URL must be an http(s) URL, got "${baseUrl}"`);
  return `${base.replace(/\/v1$/, "")}/v1/${endpoint}`;
}

/** The fetch an adapter uses: the injected one, else the global (called unbound, as workerd requires). */
export const fetchOf = (injected: typeof fetch | undefined): typeof fetch => injected ?? ((input, init) => fetch(input, init));
