// Which URLs a subscription may target: https only outside development, no credentials, no private hosts.

export const MAX_URL_CHARS = 2_048;

/** Environments where a local receiver (`http://127.0.0.1`, `http://localhost`) is allowed. */
export function allowsLoopback(environment: string | undefined): boolean {
  return environment === "development" || environment === "test";
}

function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Literal addresses of private, link-local, loopback or unspecified networks (not reachable as a public receiver). */
function isPrivateHost(host: string): boolean {
  if (isLoopbackHost(host)) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (host.startsWith("[")) {
    const h = host.slice(1, -1).toLowerCase();
    return h === "::" || h === "::1" || h.startsWith("fc") || h.startsWith("fd") || h.startsWith("fe80") || h.startsWith("::ffff:");
  }
  return false;
}

/**
 * Why `raw` may not be a webhook target in `environment`, or null when it may. Outside
 * development and test: https only, and no loopback or private address. Everywhere: no
 * user name or password in the URL, no fragment, at most MAX_URL_CHARS characters.
 */
export function webhookUrlProblem(raw: string, environment: string | undefined): string | null {
  if (raw.length > MAX_URL_CHARS) return `url must be at most ${MAX_URL_CHARS} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "url is not an absolute URL";
  }
  if (url.username || url.password) return "url must not carry a user name or password";
  if (url.hash) return "url must not have a fragment";
  const local = allowsLoopback(environment);
  if (url.protocol === "https:") {
    if (!local && isPrivateHost(url.hostname)) return "url must name a public host";
    return null;
  }
  if (url.protocol === "http:") {
    if (local && isLoopbackHost(url.hostname)) return null;
    return local ? "url must use https (http is allowed only for localhost and 127.0.0.1 in development)" : "url must use https";
  }
  return "url must use https";
}
