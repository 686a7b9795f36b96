// Scheduler: a cube's task table (state, last and next run, last error), its budget and alarm, recent decisions with reasons; wake it now.
import { useState } from "preact/hooks";
import { client } from "../api";
import { go, href } from "../router";
import { Empty, ErrorState, fields, Loaded, Notice, Page, useAction, useLoad, when } from "../ui";

export function Scheduler({ params }: { params: URLSearchParams }) {
  const cube = params.get("cube_id");
  const [load, reload] = useLoad(async () => (cube ? (await client().GET("/v1/cubes/{id}/scheduler", { params: { path: { id: cube }, query: { decisions: 30 } } })).data ?? null : null), [cube]);
  const action = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Page title={cube ? `Scheduler of ${cube}` : "Scheduler"} ready={load.state !== "loading"}>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); go(href(["scheduler"], fields(e.currentTarget as HTMLFormElement))); }}>
        <label>cube_id <input name="cube_id" defaultValue={cube ?? ""} placeholder="user:alice" /></label>
        <div class="filter-buttons"><button type="submit">Show</button></div>
      </form>
      {!cube ? <Empty title="Which cube?"><p>Each cube runs its own tasks (outbox, audit drain, jobs, lifecycle, index warm-up, idempotency purge) from its alarm. Name a cube, e.g. <code>user:alice</code>.</p></Empty> : (
        <Loaded load={load} retry={reload} rows={10} render={(s) => s ? (
          <>
            <p>
              {s.idle ? "Idle: no task is due." : "Tasks are due or running."} Budget {s.budget_ms} ms per wake-up; alarm {s.alarm_at ? when(s.alarm_at) : "not set (nothing wants to run)"}.
              {s.last_wake ? <> Last wake-up {when(s.last_wake.started_at)}, {Math.round(s.last_wake.duration_ms)} ms: ran {s.last_wake.ran.join(", ") || "nothing"}{s.last_wake.failed.length ? `, failed ${s.last_wake.failed.join(", ")}` : ""}{s.last_wake.deferred.length ? `, deferred ${s.last_wake.deferred.join(", ")}` : ""}.</> : null}
            </p>
            <div class="actions-row">
              <button type="button" disabled={action.busy} onClick={() => void action.run(async () => {
                const r = await client().POST("/v1/cubes/{id}/scheduler/run", { params: { path: { id: cube }, query: { wait: "true", decisions: 30 } } });
                setNotice(`Ran ${r.data?.wakes ?? 0} wake-up(s) until no task was due.`);
                reload();
              })}>{action.busy ? "Running…" : "Run due tasks now"}</button>
            </div>
            <table class="table" data-testid="tasks">
              <thead><tr><th scope="col">Task</th><th scope="col">State</th><th scope="col">Priority</th><th scope="col">Runs</th><th scope="col">Last run</th><th scope="col">Next run</th><th scope="col">Last note or error</th></tr></thead>
              <tbody>{s.tasks.map((t) => (
                <tr key={t.name}>
                  <td><strong>{t.name}</strong><div class="muted small">{t.description}</div></td>
                  <td>{t.state}{t.failures ? <span class="bad"> ({t.failures} failures)</span> : null}</td>
                  <td>{t.priority}</td><td>{t.runs}</td>
                  <td class="nowrap">{when(t.last_run_at)}{t.last_duration_ms !== null ? <div class="muted small">{Math.round(t.last_duration_ms)} ms</div> : null}</td>
                  <td class="nowrap">{when(t.next_run_at)}</td>
                  <td class="small">{t.last_error ? <span class="bad">{t.last_error}</span> : (t.last_note ?? "—")}</td>
                </tr>
              ))}</tbody>
            </table>
            <h2>Recent decisions</h2>
            {s.decisions.length === 0 ? <p class="muted">No decisions recorded since the cube started.</p> : (
              <ol class="decisions">{s.decisions.map((d, i) => <li key={i}><span class="muted nowrap">{when(d.at)}</span> <strong>{d.task}</strong> {d.decision}: {d.reason}</li>)}</ol>
            )}
            <Notice text={notice} />
            {action.error ? <ErrorState error={action.error} /> : null}
          </>
        ) : null} />
      )}
    </Page>
  );
}
