// Memories: the list with the API's filters (user, agent, session, cube, tags, state, created range) and cursor paging.
import { client } from "../api";
import { go, href } from "../router";
import { Empty, fields, Loaded, Notice, Page, useLoad, when } from "../ui";

const FILTERS = ["user_id", "agent_id", "session_id", "cube_id", "tags", "state", "created_after", "created_before"] as const;
type State = "active" | "archived" | "deleted";

export function Memories({ params }: { params: URLSearchParams }) {
  const p = (k: string) => params.get(k) ?? undefined;
  const query = {
    user_id: p("user_id"),
    agent_id: p("agent_id"),
    session_id: p("session_id"),
    cube_id: p("cube_id"),
    tags: p("tags"),
    state: p("state") as State | undefined,
    created_after: p("created_after"),
    created_before: p("created_before"),
    cursor: p("cursor"),
    limit: 50,
  };
  const [load, reload] = useLoad(() => client().memories.list(query), [params.toString()]);
  const current = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ""]));
  return (
    <Page title="Memories" ready={load.state !== "loading"} actions={<a class="button" href={href(["memories", "new"])}>Add a memory</a>}>
      <form
        class="filters"
        aria-label="Filter memories"
        onSubmit={(e) => {
          e.preventDefault();
          const f = fields(e.currentTarget as HTMLFormElement);
          go(href(["memories"], f));
        }}
      >
        {(["user_id", "agent_id", "session_id", "cube_id", "tags"] as const).map((k) => (
          <label key={k}>
            {k}
            <input name={k} defaultValue={current[k]} placeholder={k === "tags" ? "a,b" : ""} />
          </label>
        ))}
        <label>
          state
          <select name="state">
            <option value="">active (default)</option>
            {(["active", "archived", "deleted"] as const).map((s) => <option key={s} value={s} selected={current.state === s}>{s}</option>)}
          </select>
        </label>
        <label>
          created after
          <input name="created_after" type="datetime-local" defaultValue={current.created_after?.slice(0, 16)} />
        </label>
        <label>
          created before
          <input name="created_before" type="datetime-local" defaultValue={current.created_before?.slice(0, 16)} />
        </label>
        <div class="filter-buttons">
          <button type="submit">Filter</button>
          <a href={href(["memories"])}>Clear</a>
        </div>
      </form>
      <Notice text={params.get("deleted") ? `Deleted ${params.get("deleted")}.` : null} />
      <Loaded
        load={load}
        retry={reload}
        rows={12}
        render={(data) =>
          data.memories.length === 0 ? (
            <Empty title={query.cursor ? "No more memories" : "No memories match"}>
              <p>
                {Object.values(current).some(Boolean) ? "Loosen the filters, or " : ""}
                <a href={href(["memories", "new"])}>add a memory</a> (or send one through the API: <code>POST /v1/memories</code>).
              </p>
            </Empty>
          ) : (
            <>
              <table class="table">
                <caption class="sr-only">Memories, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Text</th>
                    <th scope="col">Type</th>
                    <th scope="col">User</th>
                    <th scope="col">State</th>
                    <th scope="col">v</th>
                    <th scope="col">Created</th>
                  </tr>
                </thead>
                <tbody>
                  {data.memories.map((m) => (
                    <tr key={m.id}>
                      <td class="text-cell">
                        <a href={href(["memories", m.id], { cube_id: m.cube_id })}>{m.text}</a>
                      </td>
                      <td>{m.type}</td>
                      <td>{m.user_id ?? "—"}</td>
                      <td>{m.state}</td>
                      <td>{m.version}</td>
                      <td class="nowrap">{when(m.created_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <nav class="pager" aria-label="Pages of memories">
                {query.cursor ? <a href={href(["memories"], { ...current, cursor: undefined })}>First page</a> : null}
                {data.next_cursor ? <a href={href(["memories"], { ...current, cursor: data.next_cursor })}>Next page</a> : <span class="muted">End of the list</span>}
              </nav>
            </>
          )
        }
      />
    </Page>
  );
}
