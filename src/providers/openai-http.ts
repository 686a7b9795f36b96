// One JSON POST to an OpenAI-compatible endpoint, with the error mapping both adapters share.
import { ConfigError } from "./config-error";
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

/** One endpoint of an OpenAI-compatible server (`embeddings`, `chat/completions`) under OPENAI_BASE_URL. */
export class OpenAiEndpoint {
  readonly url: string;
  private readonly fetchFn: typeof fetch;

  constructor(
    baseUrl: string,
    endpoint: string,
    private readonly options: { apiKey?: string | undefined; timeoutMs: number; fetch?: typeof fetch | undefined },
  ) {
    const base = baseUrl.trim().replace(/\/+$/, "");
    if (!/^https?:\/\//.test(base)) throw new ConfigError(`OPENAI_BASE_URL must be an http(s) URL, got "${baseUrl}"`);
    // With or without its `/v1`; the global fetch is called unbound, as workerd requires.
    this.url = `${base.replace(/\/v1$/, "")}/v1/${endpoint}`;
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  }

  post(body: unknown): Promise<unknown> {
    return postOpenAiJson({ fetchFn: this.fetchFn, url: this.url, apiKey: this.options.apiKey, body, timeoutMs: this.options.timeoutMs });
  }
}
