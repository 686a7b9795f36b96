// Search playground: query, filters and route weights; each result's score split by route as bars, what the query was understood to mean, the packed context block against its budget.
import { client } from "../api";
import { go, href } from "../router";
import { Empty, fields, list, Loaded, Page, useLoad, when } from "../ui";

const ROUTES = ["vector", "keyword", "entity", "time", "recency"] as const;
const PARAMS = ["query", "user_id", "agent_id", "session_id", "cube_id", "tags", "types", "state", "as_of", "from", "to", "top_k", "reference_time", "threshold", "budget_tokens", "format", ...ROUTES.map((r) => `w_${r}`)];
type State = "active" | "archived" | "deleted";
type MemoryType = "fact" | "preference" | "event" | "plan" | "procedure" | "relationship" | "message" | "note";
const iso = (local: string | undefined) => (local ? new Date(local).toISOString() : undefined);

export function Search({ params }: { params: URLSearchParams }) {
  const p = (k: string) => params.get(k) ?? undefined;
  const num = (k: string) => (p(k) === undefined ? undefined : Number(p(k)));
  const query = p("query");
  const weights = Object.fromEntries(ROUTES.filter((r) => p(`w_${r}`) !== undefined).map((r) => [r, num(`w_${r}`)]));
  const context = p("format") === "context";
  const [load, reload] = useLoad(
    async () =>
      query
        ? client().search({
            query,
            user_id: p("user_id"),
            agent_id: p("agent_id"),
            session_id: p("session_id"),
            cube_id: p("cube_id"),
            tags: list(p("tags")),
            types: list(p("types")) as MemoryType[] | undefined,
            as_of: iso(p("as_of")),
            time_range: p("from") || p("to") ? { ...(p("from") ? { from: iso(p("from")) } : {}), ...(p("to") ? { to: iso(p("to")) } : {}) } : undefined,
            state: p("state") as State | undefined,
            top_k: num("top_k") ?? 10,
            reference_time: iso(p("reference_time")),
            threshold: num("threshold"),
            weights: Object.keys(weights).length ? weights : undefined,
            // The playground looks without changing what it looks at.
            record_access: false,
            ...(context ? { format: "context" as const, budget_tokens: num("budget_tokens") ?? 800 } : {}),
          })
        : null,
    [params.toString()],
  );
  const value = (k: string) => params.get(k) ?? "";
  return (
    <Page title="Search" ready={load.state !== "loading"}>
      <form
        class="filters search-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          const f = fields(e.currentTarget as HTMLFormElement);
          go(href(["search"], Object.fromEntries(PARAMS.map((k) => [k, f[k]]))));
        }}
      >
        <label class="wide">
          Query
          <input name="query" type="search" defaultValue={value("query")} required placeholder="what does alice drink" />
        </label>
        {(["user_id", "agent_id", "session_id", "cube_id", "tags", "types"] as const).map((k) => (
          <label key={k}>{k} <input name={k} defaultValue={value(k)} placeholder={k === "types" ? "fact,event" : ""} /></label>
        ))}
        <label>
          state
          <select name="state">
            <option value="">active</option>
            <option value="archived" selected={value("state") === "archived"}>archived</option>
            <option value="deleted" selected={value("state") === "deleted"}>deleted</option>
          </select>
        </label>
        <label>top_k <input name="top_k" type="number" min="1" max="100" defaultValue={value("top_k") || "10"} /></label>
        <label>threshold <input name="threshold" type="number" min="0" max="1" step="any" defaultValue={value("threshold")} /></label>
        <label>reference time <input name="reference_time" type="datetime-local" defaultValue={value("reference_time")} /></label>
        <label>as of <input name="as_of" type="datetime-local" defaultValue={value("as_of")} /></label>
        <label>event time from <input name="from" type="datetime-local" defaultValue={value("from")} /></label>
        <label>event time to <input name="to" type="datetime-local" defaultValue={value("to")} /></label>
        <fieldset class="weights">
          <legend>Route weights (empty: the service's defaults)</legend>
          {ROUTES.map((r) => (
            <label key={r}>{r} <input name={`w_${r}`} type="number" min="0" max="10" step="any" defaultValue={value(`w_${r}`)} /></label>
          ))}
        </fieldset>
        <label class="check"><input type="checkbox" name="format" value="context" defaultChecked={context} /> Pack a context block</label>
        <label>budget (tokens) <input name="budget_tokens" type="number" min="1" max="32000" defaultValue={value("budget_tokens") || "800"} /></label>
        <div class="filter-buttons"><button type="submit">Search</button></div>
      </form>
      {!query ? (
        <Empty title="Ask something">
          <p>Type a query and press Enter. Narrow it with a user or cube; without one it covers every cube of this key's tenant.</p>
        </Empty>
      ) : (
        <Loaded
          load={load}
          retry={reload}
          rows={8}
          render={(data) => {
            if (!data) return null;
            const u = data.understood;
            return (
              <>
                <section class="understood" aria-label="How the query was understood">
                  <h2>Understood</h2>
                  <p>
                    Time: {u?.time ? <>{u.time.matched ? <q>{u.time.matched}</q> : null} {when(u.time.from)} → {when(u.time.to)}{u.time.anchor ? <> (anchored on “{u.time.anchor}”)</> : null}</> : "no date or range read from the query"}
                  </p>
                  <p>Entities: {u?.entities?.length ? u.entities.join(", ") : "none named"}</p>
                  {data.coverage ? (
                    <p class="muted">
                      {data.coverage.cubes_searched} cube(s) searched{data.coverage.failed.length ? `, ${data.coverage.failed.length} failed (${data.coverage.failed.map((f) => f.cube_id).join(", ")})` : ""}
                      {data.coverage.left_out ? `, ${data.coverage.left_out} left out` : ""}
                    </p>
                  ) : null}
                </section>
                {data.context ? (
                  <section aria-label="Packed context">
                    <h2>Context block</h2>
                    <p>
                      <meter min={0} max={data.context.budget} value={data.context.tokens_used} aria-label="Tokens used of the budget" /> {data.context.tokens_used} of {data.context.budget} tokens; {data.context.included.length} included, {data.context.cut.length} cut
                    </p>
                    <pre class="context" data-testid="context-block">{data.context.context}</pre>
                  </section>
                ) : null}
                <h2>Results</h2>
                {data.results.length === 0 ? (
                  <Empty title="Nothing found"><p>Try other words, a lower threshold, or a wider scope.</p></Empty>
                ) : (
                  <ol class="results" data-testid="results">
                    {data.results.map((r) => <Result key={r.memory.id} r={r} />)}
                  </ol>
                )}
              </>
            );
          }}
        />
      )}
    </Page>
  );
}

interface Hit {
  memory: { id: string; cube_id: string; text: string; type: string; event_time: string | null; created_at: string };
  score: number;
  score_breakdown: Record<string, number>;
}

function Result({ r }: { r: Hit }) {
  const shares = ROUTES.map((k) => [k, r.score_breakdown[k] ?? 0] as const).filter(([, v]) => v > 0);
  const total = shares.reduce((s, [, v]) => s + v, 0) || 1;
  const factors = Object.entries(r.score_breakdown).filter(([k]) => !(ROUTES as readonly string[]).includes(k));
  return (
    <li class="result">
      <a href={href(["memories", r.memory.id], { cube_id: r.memory.cube_id })}>{r.memory.text}</a>
      <div class="muted small">score {r.score.toFixed(3)} · {r.memory.type} · {when(r.memory.event_time ?? r.memory.created_at)}</div>
      <div class="bars" role="img" aria-label={`Score by route: ${shares.map(([k, v]) => `${k} ${Math.round((v / total) * 100)}%`).join(", ") || "none"}`}>
        {shares.map(([k, v]) => <span key={k} class={`bar route-${k}`} style={{ width: `${(v / total) * 100}%` }} title={`${k}: ${v.toFixed(4)}`}>{k}</span>)}
      </div>
      {factors.length ? <div class="muted small">{factors.map(([k, v]) => `${k} ${v.toFixed(3)}`).join(" · ")}</div> : null}
    </li>
  );
}
