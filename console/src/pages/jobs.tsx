// Jobs: look one up by id (the API has no job list), with its state and report; jobs started from this tab are remembered here.
import { client } from "../api";
import { go, href } from "../router";
import { Empty, fields, Loaded, Page, useLoad, when } from "../ui";

const KEY = "memos-console:jobs";
/** The job ids this tab started, newest first (at most 20); anything unreadable counts as none. */
function remembered(): string[] {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? "[]");
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}
export function rememberJob(id: string) {
  sessionStorage.setItem(KEY, JSON.stringify([id, ...remembered().filter((x) => x !== id)].slice(0, 20)));
}

export function Jobs({ params }: { params: URLSearchParams }) {
  const id = params.get("id");
  const [load, reload] = useLoad(async () => (id ? client().jobs.get(id) : null), [id]);
  const seen = remembered();
  return (
    <Page title="Jobs" ready={load.state !== "loading"} actions={id ? <button type="button" onClick={reload}>Refresh</button> : null}>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); go(href(["jobs"], fields(e.currentTarget as HTMLFormElement))); }}>
        <label>Job id <input name="id" defaultValue={id ?? ""} placeholder="job_…" /></label>
        <div class="filter-buttons"><button type="submit">Look up</button></div>
      </form>
      {seen.length ? (
        <p>Started from this tab: {seen.map((j) => <a key={j} class="chip" href={href(["jobs"], { id: j })}>{j}</a>)}</p>
      ) : null}
      {!id ? (
        <Empty title="Which job?"><p>An extraction (<code>POST /v1/memories</code> with messages) answers a <code>job_id</code>; paste it above. The API has no list of jobs.</p></Empty>
      ) : (
        <Loaded load={load} retry={reload} render={(job) => job ? (
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
        ) : null} />
      )}
    </Page>
  );
}
