// Webhooks (admin scope): subscriptions (add, enable/disable, send a test, delete) and a subscription's deliveries.
import { useState } from "preact/hooks";
import { client } from "../api";
import { go, href } from "../router";
import { Empty, ErrorState, fields, list, Loaded, Notice, Page, useAction, useLoad, when } from "../ui";

type Event = "memory.created" | "memory.updated" | "memory.deleted" | "job.completed" | "job.failed" | "skill.created" | "*";

export function Webhooks({ params }: { params: URLSearchParams }) {
  const id = params.get("id");
  const [load, reload] = useLoad(async () => {
    const c = client();
    const hooks = (await c.GET("/v1/webhooks")).data?.webhooks ?? [];
    const deliveries = id ? (await c.GET("/v1/webhooks/{id}/deliveries", { params: { path: { id }, query: { limit: 50 } } })).data?.deliveries ?? [] : null;
    return { hooks, deliveries };
  }, [id]);
  const action = useAction();
  const [secret, setSecret] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Page title="Webhooks" ready={load.state !== "loading"}>
      <Loaded load={load} retry={reload} render={({ hooks, deliveries }) => (
        <>
          {hooks.length === 0 ? <Empty title="No webhooks"><p>Add one below to have memory and job events sent to a URL of yours (signed, retried).</p></Empty> : (
            <table class="table">
              <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Enabled</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
              <tbody>{hooks.map((h) => (
                <tr key={h.id}>
                  <td><a href={href(["webhooks"], { id: h.id })}>{h.url}</a>{h.description ? <div class="muted small">{h.description}</div> : null}</td>
                  <td class="small">{h.events.join(", ")}</td><td>{h.enabled ? "yes" : "no"}</td><td class="nowrap">{when(h.created_at)}</td>
                  <td class="actions-cell">
                    <button type="button" disabled={action.busy} onClick={() => void action.run(async () => { await client().PATCH("/v1/webhooks/{id}", { params: { path: { id: h.id } }, body: { enabled: !h.enabled } }); reload(); })}>{h.enabled ? "Disable" : "Enable"}</button>
                    <button type="button" disabled={action.busy} onClick={() => void action.run(async () => { await client().POST("/v1/webhooks/{id}/test", { params: { path: { id: h.id } } }); setNotice("Test event queued; see its delivery."); go(href(["webhooks"], { id: h.id })); reload(); })}>Send test</button>
                    <button type="button" class="danger" disabled={action.busy} onClick={() => void action.run(async () => { await client().DELETE("/v1/webhooks/{id}", { params: { path: { id: h.id } } }); go(href(["webhooks"])); reload(); })}>Delete</button>
                  </td>
                </tr>
              ))}</tbody>
            </table>
          )}
          {deliveries ? (
            <>
              <h2>Deliveries of {id}</h2>
              {deliveries.length === 0 ? <Empty title="No deliveries yet"><p>Send a test event, or write a memory, to see one.</p></Empty> : (
                <table class="table">
                  <thead><tr><th scope="col">Event</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last status</th><th scope="col">Last error</th><th scope="col">Updated</th></tr></thead>
                  <tbody>{deliveries.map((d) => (
                    <tr key={d.id}><td>{d.event_type}</td><td>{d.state}</td><td>{d.attempts}</td><td>{d.last_status ?? "—"}</td><td class="small">{d.last_error ?? "—"}</td><td class="nowrap">{when(d.updated_at)}</td></tr>
                  ))}</tbody>
                </table>
              )}
            </>
          ) : null}
          <h2>Add a webhook</h2>
          <form class="form" onSubmit={(e) => {
            e.preventDefault();
            const form = e.currentTarget as HTMLFormElement;
            const f = fields(form);
            void action.run(async () => {
              const r = await client().POST("/v1/webhooks", { body: { url: f.url ?? "", events: list(f.events) as Event[] | undefined, description: f.description } });
              setSecret(r.data?.secret ?? null);
              form.reset();
              reload();
            });
          }}>
            <label>URL <input name="url" type="url" required placeholder="https://example.com/hook" /></label>
            <label>Events <input name="events" placeholder="memory.created,job.completed (empty: all)" /></label>
            <label>Description <input name="description" /></label>
            <button type="submit" disabled={action.busy}>Add webhook</button>
          </form>
          {secret ? <div class="state state-secret" role="status"><h2>Signing secret (shown once)</h2><code class="secret">{secret}</code></div> : null}
          <Notice text={notice} />
          {action.error ? <ErrorState error={action.error} /> : null}
        </>
      )} />
    </Page>
  );
}
