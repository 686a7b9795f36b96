// Shared pieces of every page: loading without layout shift, error/empty/forbidden states that say what to do, tables, dates.
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { explain } from "./api";

export type Load<T> = { state: "loading" } | { state: "ready"; data: T } | { state: "error"; error: unknown };

/** Runs `fn` whenever `deps` change; `reload` runs it again. Stale answers are dropped. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]): [Load<T>, () => void] {
  const [load, setLoad] = useState<Load<T>>({ state: "loading" });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setLoad({ state: "loading" });
    fn().then(
      (data) => mine === seq.current && setLoad({ state: "ready", data }),
      (error: unknown) => mine === seq.current && setLoad({ state: "error", error }),
    );
    // `fn` is a new closure each render; `deps` say when it means something else.
  }, [...deps, tick]);
  return [load, useCallback(() => setTick((t) => t + 1), [])];
}

/** A page: its heading (focused on navigation, for keyboard and screen reader users) and a `data-ready` mark once loaded. */
export function Page(props: { title: string; ready: boolean; children: ComponentChildren; actions?: ComponentChildren }) {
  const h = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · memos-edge console`;
    h.current?.focus({ preventScroll: true });
  }, [props.title]);
  return (
    <section class="page" data-ready={props.ready ? "true" : "false"} aria-busy={!props.ready}>
      <div class="page-head">
        <h1 tabIndex={-1} ref={h}>{props.title}</h1>
        {props.actions ? <div class="actions">{props.actions}</div> : null}
      </div>
      {props.children}
    </section>
  );
}

/** Placeholder rows of the size of the content to come, so nothing jumps when it arrives. */
export function Skeleton({ rows = 6 }: { rows?: number }) {
  return (
    <div class="skeleton" role="status" aria-label="Loading">
      {Array.from({ length: rows }, (_, i) => <div key={i} class="skeleton-row" />)}
    </div>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const e = explain(error);
  if (e.code === "forbidden") {
    return (
      <div class="state state-forbidden" role="alert">
        <h2>Not allowed with this key</h2>
        <p>{e.title}</p>
        <p>{e.hint}</p>
      </div>
    );
  }
  return (
    <div class="state state-error" role="alert">
      <h2>Something went wrong ({e.code})</h2>
      <p>{e.title}</p>
      <p>{e.hint}</p>
      {e.requestId ? <p class="muted">Request id: <code>{e.requestId}</code></p> : null}
      {retry ? <button type="button" onClick={retry}>Try again</button> : null}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state state-empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

/** One of the three states of a load, with `render` for the data. */
export function Loaded<T>({ load, retry, render, rows }: { load: Load<T>; retry?: () => void; render: (data: T) => ComponentChildren; rows?: number }) {
  if (load.state === "loading") return <Skeleton rows={rows} />;
  if (load.state === "error") return <ErrorState error={load.error} retry={retry} />;
  return <>{render(load.data)}</>;
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

/** A short message after an action (saved, deleted...), announced to screen readers. */
export function Notice({ text, kind = "ok" }: { text: string | null; kind?: "ok" | "bad" }) {
  return <p class={`notice notice-${kind}`} role="status" aria-live="polite">{text ?? ""}</p>;
}

/** Runs an action, keeping its error to show; `busy` while it runs. */
export function useAction(): { busy: boolean; error: unknown; run: (fn: () => Promise<void>) => Promise<void> } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}

/** The form's fields as strings (empty fields left out). */
export function fields(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new FormData(form)) if (typeof v === "string" && v.trim() !== "") out[k] = v.trim();
  return out;
}

export const list = (s: string | undefined): string[] | undefined => (s ? s.split(",").map((x) => x.trim()).filter(Boolean) : undefined);
