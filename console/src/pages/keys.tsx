// Keys (admin scope): the tenant's API keys; create one with scopes and limits (its secret shown once), revoke one.
import { useState } from "preact/hooks";
import { client } from "../api";
import { Empty, ErrorState, fields, list, Loaded, Notice, Page, useAction, useLoad, when } from "../ui";

const SCOPES = ["memories:read", "memories:write", "pii:read", "audit:read", "export", "admin"] as const;
type Scope = (typeof SCOPES)[number];

export function Keys() {
  const [load, reload] = useLoad(() => client().keys.list(), []);
  const action = useAction();
  const [secret, setSecret] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Page title="Keys" ready={load.state !== "loading"}>
      <Loaded load={load} retry={reload} render={(data) => (
        <>
          {data.keys.length === 0 ? <Empty title="No keys" /> : (
            <table class="table">
              <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th><th scope="col">Limits</th><th scope="col">Created</th><th scope="col">State</th></tr></thead>
              <tbody>
                {data.keys.map((k) => (
                  <tr key={k.id}>
                    <td>{k.name}</td><td><code>{k.prefix}…</code></td><td>{k.scopes.join(", ")}</td>
                    <td class="small">{Object.entries(k.limits ?? {}).filter(([, v]) => v && v.length).map(([n, v]) => `${n}: ${(v ?? []).join(",")}`).join("; ") || "—"}</td>
                    <td class="nowrap">{when(k.created_at)}</td>
                    <td>{k.revoked_at ? `revoked ${when(k.revoked_at)}` : (
                      <button type="button" class="danger" disabled={action.busy} onClick={() => void action.run(async () => { await client().keys.revoke(k.id); setNotice(`Revoked ${k.name}.`); reload(); })}>Revoke {k.name}</button>
                    )}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>Create a key</h2>
          <form class="form" onSubmit={(e) => {
            e.preventDefault();
            const form = e.currentTarget as HTMLFormElement;
            const f = fields(form);
            const scopes = SCOPES.filter((s) => (form.elements.namedItem(`scope-${s}`) as HTMLInputElement | null)?.checked) as Scope[];
            void action.run(async () => {
              const limits = { cube_ids: list(f.cube_ids), user_ids: list(f.user_ids), agent_ids: list(f.agent_ids) };
              const made = await client().keys.create({ name: f.name ?? "", scopes, ...(Object.values(limits).some(Boolean) ? { limits } : {}) });
              setSecret(made.key);
              form.reset();
              reload();
            });
          }}>
            <label>Name <input name="name" required /></label>
            <fieldset><legend>Scopes</legend>
              {SCOPES.map((s) => <label key={s} class="check"><input type="checkbox" name={`scope-${s}`} defaultChecked={s === "memories:read"} /> {s}</label>)}
            </fieldset>
            <fieldset><legend>Limits (optional, comma-separated)</legend>
              <label>cube_ids <input name="cube_ids" /></label>
              <label>user_ids <input name="user_ids" /></label>
              <label>agent_ids <input name="agent_ids" /></label>
            </fieldset>
            <button type="submit" disabled={action.busy}>Create key</button>
          </form>
          {secret ? <div class="state state-secret" role="status"><h2>New key (shown once)</h2><p>Copy it now; the service does not keep it.</p><code class="secret">{secret}</code></div> : null}
          <Notice text={notice} />
          {action.error ? <ErrorState error={action.error} /> : null}
        </>
      )} />
    </Page>
  );
}
