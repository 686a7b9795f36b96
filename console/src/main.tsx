// The console's shell: sign-in gate, navigation, theme, keyboard shortcuts, and which page a hash route shows.
import { render, type ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { session } from "./api";
import { go, href, useRoute, type Route } from "./router";
import { ErrorState, Skeleton } from "./ui";
import { SignIn } from "./pages/signin";
import { Memories } from "./pages/memories";
import { MemoryPage } from "./pages/memory";
import { AddMemory } from "./pages/add";
import { Search } from "./pages/search";
import { Timeline } from "./pages/timeline";
import { Jobs } from "./pages/jobs";
import { Keys } from "./pages/keys";
import { Grants } from "./pages/grants";
import { Audit } from "./pages/audit";
import { Webhooks } from "./pages/webhooks";
import { Settings } from "./pages/settings";
import { Scheduler } from "./pages/scheduler";
import { Hub } from "./pages/hub";

// The graph library and the markdown reader are large: their pages are chunks of their own, loaded on first visit.
type LazyPage = (props: { params: URLSearchParams; id?: string | undefined }) => ComponentChildren;
function lazyPage(load: () => Promise<LazyPage>) {
  let page: LazyPage | null = null;
  return function Lazy(props: { params: URLSearchParams; id?: string | undefined }) {
    const [loaded, setLoaded] = useState<LazyPage | null>(() => page);
    const [failed, setFailed] = useState<unknown>(null);
    useEffect(() => {
      if (loaded) return;
      load().then((p) => setLoaded(() => (page = p)), setFailed);
    }, [loaded]);
    if (failed) return <ErrorState error={failed} />;
    if (!loaded) return <Skeleton rows={12} />;
    const Page = loaded;
    return <Page {...props} />;
  };
}
const LazyGraph = lazyPage(() => import("./pages/graph").then((m) => m.Graph));
const LazySkills = lazyPage(() => import("./pages/skills").then((m) => m.Skills));

const NAV: { path: string; label: string; key: string }[] = [
  { path: "memories", label: "Memories", key: "m" },
  { path: "search", label: "Search", key: "s" },
  { path: "timeline", label: "Timeline", key: "t" },
  { path: "graph", label: "Graph", key: "g" },
  { path: "jobs", label: "Jobs", key: "j" },
  { path: "keys", label: "Keys", key: "k" },
  { path: "grants", label: "Grants", key: "r" },
  { path: "audit", label: "Audit", key: "a" },
  { path: "webhooks", label: "Webhooks", key: "w" },
  { path: "settings", label: "Settings", key: "c" },
  { path: "scheduler", label: "Scheduler", key: "h" },
  { path: "skills", label: "Skills", key: "l" },
  { path: "hub", label: "Hub", key: "b" },
];

function pageOf(route: Route): ComponentChildren {
  const [first, second] = route.parts;
  switch (first) {
    case undefined:
    case "memories":
      if (second === "new") return <AddMemory />;
      return second ? <MemoryPage id={second} params={route.params} /> : <Memories params={route.params} />;
    case "search":
      return <Search params={route.params} />;
    case "timeline":
      return <Timeline params={route.params} />;
    case "graph":
      return <LazyGraph params={route.params} />;
    case "jobs":
      return <Jobs params={route.params} />;
    case "keys":
      return <Keys />;
    case "grants":
      return <Grants params={route.params} />;
    case "audit":
      return <Audit params={route.params} />;
    case "webhooks":
      return <Webhooks params={route.params} />;
    case "settings":
      return <Settings params={route.params} />;
    case "scheduler":
      return <Scheduler params={route.params} />;
    case "skills":
      return <LazySkills params={route.params} id={second} />;
    case "hub":
      return <Hub params={route.params} parts={route.parts.slice(1)} />;
    default:
      return (
        <section class="page" data-ready="true">
          <h1>No such page</h1>
          <p>
            <code>#/{route.parts.join("/")}</code> is not a console page. Go to the <a href={href(["memories"])}>memories</a>.
          </p>
        </section>
      );
  }
}

type Theme = "light" | "dark" | "system";
function applyTheme(theme: Theme) {
  if (theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

function App() {
  const route = useRoute();
  const [signedIn, setSignedIn] = useState(session.get() !== null);
  const [theme, setTheme] = useState<Theme>((localStorage.getItem("memos-console:theme") as Theme | null) ?? "system");
  useEffect(() => {
    applyTheme(theme);
    localStorage.setItem("memos-console:theme", theme);
  }, [theme]);
  // "g" then a letter jumps to a page; "/" to search. Ignored while typing in a field.
  useEffect(() => {
    let pending = false;
    const on = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey || (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)))) return;
      if (pending) {
        pending = false;
        const to = NAV.find((n) => n.key === e.key);
        if (to) {
          e.preventDefault();
          go(href([to.path]));
        }
        return;
      }
      if (e.key === "g") pending = true;
      else if (e.key === "/") {
        e.preventDefault();
        go(href(["search"]));
      }
    };
    addEventListener("keydown", on);
    return () => removeEventListener("keydown", on);
  }, []);

  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  const current = route.parts[0] ?? "memories";
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>Skip to content</a>
      <header class="top">
        <span class="brand">memos-edge console</span>
        <div class="top-actions">
          <label>
            Theme{" "}
            <select value={theme} onChange={(e) => setTheme((e.currentTarget as HTMLSelectElement).value as Theme)}>
              <option value="system">System</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <button
            type="button"
            onClick={() => {
              session.clear();
              setSignedIn(false);
              go(href(["memories"]));
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <nav aria-label="Pages" class="side">
        <ul>
          {NAV.map((n) => (
            <li key={n.path}>
              <a href={href([n.path])} aria-current={current === n.path ? "page" : undefined} title={`g then ${n.key}`}>
                {n.label}
              </a>
            </li>
          ))}
        </ul>
        <p class="muted small">Keys: g then a letter (m, s, t, g, j, k, r, a, w, c, h, l, b); / for search.</p>
      </nav>
      <main id="main" tabIndex={-1}>{pageOf(route)}</main>
    </div>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
