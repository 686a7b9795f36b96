// Jobs: the tenant's recent jobs (GET /v1/jobs: filters, cursor paging), and one job by id with its state and report.
import { client } from "../api";
import { go, href } from "../router";
import { Empty, fields, Loaded, Page, useLoad, when } from "../ui";

type JobState = "queued" | "running" | "succeeded" | "failed";
const STATES: JobState[] = ["queued", "running", "succeeded", "failed"];

export function Jobs({ params }: { params: URLSearchParams }) {
  const id = params.get("id");
  return id ? <JobPage id={id} /> : <JobList params={params} />;
}

function JobList({ params }: { params: URLSearchParams }) {
  const cube = params.get("cube_id") ?? undefined;
  const stateParam = params.get("state");
  const state = STATES.find((s) => s === stateParam);
  const cursor = params.get("cursor") ?? undefined;
  const [load, reload] = useLoad(() => client().GET("/v1/jobs", { params: { query: { cube_id: cube, state, cursor, limit: 30 } } }).then((r) => r.data ?? { jobs: [], next_cursor: null }), [params.toString()]);
  const filtered = Boolean(cube || state);
  return (
    <Page title="Jobs" ready={load.state !== "loading"} actions={<button type="button" onClick={reload}>Refresh</button>}>
      <form class="filters" aria-label="Filter jobs" onSubmit={(e) => { e.preventDefault(); go(href(["jobs"], fields(e.currentTarget as HTMLFormElement))); }}>
        <label>cube_id <input name="cube_id" defaultValue={cube ?? ""} placeholder="user:alice" /></label>
        <label>
          state
          <select name="state">
            <option value="">any</option>
            {STATES.map((s) => <option key={s} value={s} selected={s === state}>{s}</option>)}
          </select>
        </label>
        <div class="filter-buttons"><button type="submit">Filter</button> <a href={href(["jobs"])}>Clear</a></div>
      </form>
      <form class="filters" aria-label="Open a job" onSubmit={(e) => { e.preventDefault(); go(href(["jobs"], fields(e.currentTarget as HTMLFormElement))); }}>
        <label>Job id <input name="id" placeholder="job_…" /></label>
        <div class="filter-buttons"><button type="submit">Open</button></div>
      </form>
      <Loaded load={load} retry={reload} rows={10} render={(data) => data.jobs.length === 0 ? (
        <Empty title={cursor ? "No more jobs" : filtered ? "No job matches" : "No jobs yet"}>
          <p>{filtered ? "Loosen the filters, or " : ""}start one: <a href={href(["memories", "new"])}>add a memory</a> with "extract" (or <code>POST /v1/memories</code> with messages), which answers a job.{data.next_cursor ? " Older jobs may still match: go to the next page." : ""}</p>
          {data.next_cursor ? <a href={href(["jobs"], { cube_id: cube, state, cursor: data.next_cursor })}>Next page</a> : null}
        </Empty>
      ) : (
        <>
          <table class="table">
            <caption class="sr-only">Jobs, newest first</caption>
            <thead><tr><th scope="col">Job</th><th scope="col">State</th><th scope="col">Cube</th><th scope="col">Mode</th><th scope="col">Attempts</th><th scope="col">Created</th></tr></thead>
            <tbody>
              {data.jobs.map((j) => (
                <tr key={j.id}>
                  <td><a href={href(["jobs"], { id: j.id })}><code>{j.id}</code></a></td>
                  <td data-testid="job-row-state"><span class={`chip state-${j.state}`}>{j.state}</span></td>
                  <td>{j.cube_id}</td>
                  <td>{j.mode}</td>
                  <td>{j.attempts}</td>
                  <td class="nowrap">{when(j.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav class="pager" aria-label="Pages of jobs">
            {cursor ? <a href={href(["jobs"], { cube_id: cube, state })}>First page</a> : null}
            {data.next_cursor ? <a href={href(["jobs"], { cube_id: cube, state, cursor: data.next_cursor })}>Next page</a> : <span class="muted">End of the list</span>}
          </nav>
        </>
      )} />
    </Page>
  );
}

function JobPage({ id }: { id: string }) {
  const [load, reload] = useLoad(() => client().jobs.get(id), [id]);
  return (
    <Page title={`Job ${id}`} ready={load.state !== "loading"} actions={<><a href={href(["jobs"])}>All jobs</a> <button type="button" onClick={reload}>Refresh</button></>}>
      <Loaded load={load} retry={reload} render={(job) => (
        <>
          <dl class="facts">
            <dt>state</dt><dd data-testid="job-state">{job.state}</dd>
            <dt>cube</dt><dd>{job.cube_id}</dd>
            <dt>mode</dt><dd>{job.mode}</dd>
            <dt>attempts</dt><dd>{job.attempts}</dd>
            <dt>created / updated</dt><dd>{when(job.created_at)} / {when(job.updated_at)}</dd>
            {job.error ? <><dt>error</dt><dd class="bad">{job.error}</dd></> : null}
          </dl>
          {job.result ? (
            <>
              <h2>Report</h2>
              <p>{job.result.added} added, {job.result.skipped} skipped.</p>
              <ul>{job.result.memory_ids.map((m) => <li key={m}><a href={href(["memories", m], { cube_id: job.cube_id })}>{m}</a></li>)}</ul>
              {job.result.detail ? <pre class="json">{JSON.stringify(job.result.detail, null, 2)}</pre> : null}
            </>
          ) : <p class="muted">No report yet: the job is {job.state}. Refresh in a moment.</p>}
        </>
      )} />
    </Page>
  );
}
