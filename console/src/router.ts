// Hash routes (#/memories?user_id=alice): bookmarkable, no server-side fallback needed, and the key never enters them.
import { useEffect, useState } from "preact/hooks";

export interface Route {
  /** Path segments after `#/`, e.g. ["memories", "mem_..."]. */
  parts: string[];
  params: URLSearchParams;
}

export function parse(hash: string = location.hash): Route {
  const raw = hash.replace(/^#\/?/, "");
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(q < 0 ? "" : raw.slice(q + 1)) };
}

/** `#/a/b?x=1` from parts and the non-empty params. */
export function href(parts: string[], params: Record<string, string | number | undefined | null> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const qs = q.toString();
  return `#/${parts.map(encodeURIComponent).join("/")}${qs ? `?${qs}` : ""}`;
}

export function go(to: string): void {
  if (location.hash !== to) location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const on = () => setRoute(parse());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}
