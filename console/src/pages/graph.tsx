// Entity graph (its own chunk): entities and the memories linking them, drawn by cytoscape (canvas; zoom, pan, select, filter): the first page drawn at once, later pages added as they arrive.
import cytoscape, { type Core, type ElementDefinition } from "cytoscape";
import { useEffect, useRef, useState } from "preact/hooks";
import { client } from "../api";
import { go, href } from "../router";
import { Empty, ErrorState, fields, Page, Skeleton } from "../ui";

// cytoscape adds an inline <style> unless an element with this id exists; the page's CSP forbids
// inline styles, so the placeholder is made here and the rule it would add is in console.css.
function claimCytoscapeStylesheet() {
  const id = "__________cytoscape_stylesheet";
  if (document.getElementById(id)) return;
  const placeholder = document.createElement("meta");
  placeholder.id = id;
  document.head.append(placeholder);
}

const PAGE = 200;
type Mem = { id: string; cube_id: string; text: string; entities: string[] };

const STYLE: cytoscape.StylesheetJson = [
  { selector: "node[kind = 'entity']", style: { "background-color": "#2563eb", label: "data(label)", "font-size": 10, color: "#888", "min-zoomed-font-size": 8, width: "mapData(count, 0, 50, 10, 40)", height: "mapData(count, 0, 50, 10, 40)" } },
  { selector: "node[kind = 'memory']", style: { "background-color": "#9ca3af", width: 6, height: 6 } },
  { selector: "edge", style: { width: 0.5, "line-color": "#9ca3af", opacity: 0.6 } },
  { selector: ":selected", style: { "background-color": "#f59e0b", "border-width": 2, "border-color": "#b45309" } },
  { selector: ".faded", style: { opacity: 0.08 } },
];

/** A force-directed layout for small graphs; concentric (by degree, no simulation) past a few hundred elements. */
function layoutOf(elements: number): cytoscape.LayoutOptions {
  return elements > 400
    ? { name: "concentric", concentric: (n) => n.degree(false), levelWidth: () => 4, minNodeSpacing: 4, animate: false }
    : // Force-directed, but cooled fast: a few hundred iterations instead of cose's thousand, a fraction of the time for a layout as readable.
      { name: "cose", animate: false, nodeRepulsion: () => 8000, numIter: 300, coolingFactor: 0.97 };
}

interface Selected { kind: "entity" | "memory"; id: string; label: string; cube_id?: string; count?: number }

export function Graph({ params }: { params: URLSearchParams }) {
  const user = params.get("user_id") ?? undefined;
  const cube = params.get("cube_id") ?? undefined;
  const pages = Math.min(50, Math.max(1, Number(params.get("pages") ?? 2) || 2));
  const box = useRef<HTMLDivElement>(null);
  const cy = useRef<Core | null>(null);
  const [state, setState] = useState<"idle" | "loading" | "ready" | "empty">("idle");
  const [error, setError] = useState<unknown>(null);
  const [stats, setStats] = useState({ entities: 0, memories: 0, more: false, loading: false });
  const [drawn, setDrawn] = useState(false);
  const moreRef = useRef<(() => Promise<void>) | null>(null);
  const [selected, setSelected] = useState<Selected | null>(null);
  const [filter, setFilter] = useState("");
  const [top, setTop] = useState<{ key: string; name: string; count: number }[]>([]);

  useEffect(() => {
    if (!user && !cube) { setState("idle"); return; }
    let gone = false;
    setState("loading");
    setError(null);
    setSelected(null);
    setDrawn(false);
    moreRef.current = null;
    (async () => {
      const c = client();
      const known = new Map<string, { name: string; memory_count: number }>();
      // cytoscape refuses a second element with an id: a memory naming an entity twice links it once.
      const seen = new Set<string>();
      let memoryCount = 0;
      /** The elements one page of memories adds (entities first met there included). */
      const elementsOf = (memories: Mem[]): ElementDefinition[] => {
        const els: ElementDefinition[] = [];
        for (const m of memories) {
          if (m.entities.length === 0 || seen.has(`m:${m.id}`)) continue;
          seen.add(`m:${m.id}`);
          memoryCount++;
          els.push({ data: { id: `m:${m.id}`, label: m.text.length > 40 ? `${m.text.slice(0, 40)}…` : m.text, kind: "memory", cube_id: m.cube_id } });
          for (const name of m.entities) {
            const key = name.toLowerCase();
            if (!known.has(key)) {
              known.set(key, { name, memory_count: 0 });
              els.push({ data: { id: `e:${key}`, label: name, kind: "entity", count: 0 } });
            }
            if (seen.has(`x:${m.id}:${key}`)) continue;
            seen.add(`x:${m.id}:${key}`);
            els.push({ data: { id: `x:${m.id}:${key}`, source: `m:${m.id}`, target: `e:${key}` } });
          }
        }
        return els;
      };
      const publish = (more: boolean, loading: boolean) => {
        setStats({ entities: known.size, memories: memoryCount, more, loading });
        setTop([...known.entries()].map(([key, e]) => ({ key, name: e.name, count: e.memory_count })).sort((a, b) => b.count - a.count).slice(0, 40));
      };
      // The entities and the first page of memories side by side; the first view is drawn from them.
      const [{ entities }, first] = await Promise.all([
        c.entities({ user_id: user, cube_id: cube, limit: 500 }),
        c.memories.list({ user_id: user, cube_id: cube, limit: PAGE }),
      ]);
      if (gone) return;
      // Marks for a profiler (the Performance panel, or performance.getEntriesByType("mark")): data in, frame, drawn.
      performance.mark("graph:data");
      const els: ElementDefinition[] = [];
      for (const e of entities) {
        const key = e.name.toLowerCase();
        if (known.has(key)) continue;
        known.set(key, { name: e.name, memory_count: e.memory_count });
        els.push({ data: { id: `e:${key}`, label: e.name, kind: "entity", count: e.memory_count } });
      }
      els.push(...elementsOf(first.memories));
      let cursor = first.next_cursor ?? undefined;
      let loaded = 1;
      publish(cursor !== undefined, cursor !== undefined && loaded < pages);
      if (els.length === 0 && !cursor) { setState("empty"); return; }
      setState("ready");
      await new Promise((r) => requestAnimationFrame(r));
      if (gone || !box.current) return;
      performance.mark("graph:frame");
      cy.current?.destroy();
      claimCytoscapeStylesheet();
      const graph = cytoscape({
        container: box.current,
        elements: els,
        // Textures while panning and edges hidden while moving keep thousands of nodes responsive.
        textureOnViewport: true,
        hideEdgesOnViewport: true,
        pixelRatio: 1,
        wheelSensitivity: 0.3,
        style: STYLE,
        layout: layoutOf(els.length),
      });
      graph.on("select", "node", (e) => {
        const d = e.target.data() as { id: string; label: string; kind: "entity" | "memory"; cube_id?: string; count?: number };
        setSelected({ kind: d.kind, id: d.id.slice(2), label: d.label, cube_id: d.cube_id, count: d.count });
      });
      cy.current = graph;
      performance.mark("graph:created");
      setDrawn(true);
      /**
       * Adds the next page of memories to the drawn graph. New memory nodes are placed beside an
       * entity they name (no layout run); `layout` runs the whole layout again once pages are in.
       */
      let unlaid = 0;
      const addPage = async (): Promise<boolean> => {
        if (!cursor) return false;
        const r = await c.memories.list({ user_id: user, cube_id: cube, limit: PAGE, cursor });
        if (gone) return false;
        cursor = r.next_cursor ?? undefined;
        loaded++;
        const added = elementsOf(r.memories);
        if (added.length === 0) return true;
        graph.batch(() => {
          const made = graph.add(added);
          made.nodes("[kind = 'memory']").forEach((n) => {
            const placed = n.neighborhood().nodes().toArray().find((x) => x.position().x !== 0 || x.position().y !== 0);
            const at = placed ? placed.position() : { x: 0, y: 0 };
            n.position({ x: at.x + (Math.random() - 0.5) * 60, y: at.y + (Math.random() - 0.5) * 60 });
          });
        });
        unlaid += added.length;
        return true;
      };
      const layout = () => {
        if (unlaid === 0 || gone) return;
        unlaid = 0;
        graph.layout(layoutOf(graph.elements().length)).run();
      };
      moreRef.current = async () => {
        publish(true, true);
        await addPage();
        layout();
        if (!gone) {
          publish(cursor !== undefined, false);
          // The bookmark keeps how many pages are drawn, without drawing them again.
          history.replaceState(null, "", href(["graph"], { user_id: user, cube_id: cube, pages: loaded }));
        }
      };
      // The pages asked for beyond the first arrive one after the other and join the drawn graph.
      while (!gone && cursor && loaded < pages) await addPage();
      layout();
      if (!gone) publish(cursor !== undefined, false);
    })().catch((e: unknown) => { if (!gone) { setError(e); setState("idle"); } });
    return () => { gone = true; };
  }, [user, cube, pages]);
  useEffect(() => () => { cy.current?.destroy(); cy.current = null; }, []);
  useEffect(() => {
    const g = cy.current;
    if (!g) return;
    g.batch(() => {
      g.elements().removeClass("faded");
      if (!filter) return;
      const hit = g.nodes(`[kind = 'entity']`).filter((n) => String(n.data("label")).toLowerCase().includes(filter.toLowerCase()));
      g.elements().not(hit.closedNeighborhood()).addClass("faded");
    });
  }, [filter, state]);

  const scoped = Boolean(user || cube);
  return (
    <Page title="Entity graph" ready={!scoped || drawn || state === "empty" || error !== null}>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); go(href(["graph"], fields(e.currentTarget as HTMLFormElement))); }}>
        <label>user_id <input name="user_id" defaultValue={user} /></label>
        <label>or cube_id <input name="cube_id" defaultValue={cube} /></label>
        <label>pages of {PAGE} memories <input name="pages" type="number" min="1" max="50" defaultValue={String(pages)} /></label>
        <div class="filter-buttons"><button type="submit">Draw</button></div>
      </form>
      {!scoped ? <Empty title="Whose graph?"><p>Name a user (or a cube) to draw their entities and the memories linking them.</p></Empty> : null}
      {error ? <ErrorState error={error} /> : null}
      {state === "loading" ? <Skeleton rows={12} /> : null}
      {state === "empty" ? <Empty title="No entities yet"><p>None of these memories names an entity. Entities are read from memory text (names, places) when memories are written.</p></Empty> : null}
      <div class="graph-wrap" hidden={state !== "ready"} data-complete={drawn && !stats.loading ? "true" : "false"}>
        <div class="graph-tools">
          <label>Highlight entities <input type="search" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} placeholder="name" /></label>
          <button type="button" onClick={() => cy.current?.fit(undefined, 20)}>Fit</button>
          <button type="button" onClick={() => cy.current?.zoom({ level: (cy.current?.zoom() ?? 1) * 1.4, renderedPosition: { x: (box.current?.clientWidth ?? 0) / 2, y: 250 } })}>Zoom in</button>
          <button type="button" onClick={() => cy.current?.zoom({ level: (cy.current?.zoom() ?? 1) / 1.4, renderedPosition: { x: (box.current?.clientWidth ?? 0) / 2, y: 250 } })}>Zoom out</button>
          <button type="button" disabled={!stats.more || stats.loading} onClick={() => void moreRef.current?.()}>Show {PAGE} more memories</button>
          <span class="muted small" role="status">{stats.entities} entities, {stats.memories} memories with entities{stats.loading ? ", loading more…" : stats.more ? " (more exist)" : ""}</span>
        </div>
        <div class="graph" ref={box} role="img" aria-label={`Graph of ${stats.entities} entities and ${stats.memories} memories; the list beside it names the selection`} />
        <aside class="graph-side" aria-live="polite">
          {selected ? (
            selected.kind === "entity" ? (
              <p><strong>{selected.label}</strong> (entity, {selected.count ?? 0} memories). <a href={href(["search"], { query: selected.label, user_id: user, cube_id: cube })}>Search for it</a></p>
            ) : (
              <p>Memory: <a href={href(["memories", selected.id], { cube_id: selected.cube_id })}>{selected.label}</a></p>
            )
          ) : <p class="muted">Select a node (click or tap, or an entity below with the keyboard) to see it here; scroll to zoom, drag to pan.</p>}
          <h2 class="small">Most linked entities</h2>
          <ul class="entity-list">
            {top.map((e) => (
              <li key={e.key}>
                <button type="button" class="link" onClick={() => {
                  const g = cy.current;
                  const node = g?.getElementById(`e:${e.key}`);
                  if (!g || !node || node.empty()) return;
                  g.elements().unselect();
                  node.select();
                  g.center(node);
                }}>{e.name} ({e.count})</button>
              </li>
            ))}
          </ul>
        </aside>
      </div>
    </Page>
  );
}
