// Settings per cube: lifecycle policy (TTL per type, archive and purge ages, last run) and privacy mode (mask, redact, off).
import { useState } from "preact/hooks";
import { client } from "../api";
import { go, href } from "../router";
import { Empty, ErrorState, fields, Loaded, Notice, Page, useAction, useLoad, when } from "../ui";

const TYPES = ["fact", "preference", "event", "plan", "procedure", "relationship", "message", "note"] as const;
type Mode = "mask" | "redact" | "off";

export function Settings({ params }: { params: URLSearchParams }) {
  const cube = params.get("cube_id");
  const [cubes, reloadCubes] = useLoad(() => client().cubes.list({ limit: 200 }), []);
  const [load, reload] = useLoad(async () => {
    if (!cube) return null;
    const c = client();
    const [lifecycle, privacy] = await Promise.all([
      c.GET("/v1/cubes/{id}/lifecycle", { params: { path: { id: cube } } }).then((r) => r.data ?? null),
      c.GET("/v1/cubes/{id}/privacy", { params: { path: { id: cube } } }).then((r) => r.data ?? null),
    ]);
    return { lifecycle, privacy };
  }, [cube]);
  const action = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const days = (v: string | undefined) => (v === undefined ? null : Number(v));
  return (
    <Page title={cube ? `Settings of ${cube}` : "Settings"} ready={cubes.state !== "loading" && load.state !== "loading"}>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); go(href(["settings"], fields(e.currentTarget as HTMLFormElement))); }}>
        <label>Cube
          <select name="cube_id" key={cubes.state}>
            <option value="">Choose a cube</option>
            {cubes.state === "ready" ? cubes.data.cubes.map((c) => <option key={c.id} value={c.id} selected={c.id === cube}>{c.id}{c.name ? ` (${c.name})` : ""}</option>) : null}
          </select>
        </label>
        <label>or type its id <input name="cube_id" placeholder="user:alice" /></label>
        <div class="filter-buttons"><button type="submit">Open</button></div>
      </form>
      {cubes.state === "error" ? <ErrorState error={cubes.error} retry={reloadCubes} /> : null}
      {!cube ? <Empty title="Which cube?"><p>Choose a cube to see and change its lifecycle policy and privacy mode. A user's cube is <code>user:&lt;user_id&gt;</code>.</p></Empty> : (
        <Loaded load={load} retry={reload} render={(data) => data ? (
          <>
            {data.lifecycle ? (
              <section aria-label="Lifecycle">
                <h2>Lifecycle</h2>
                <p class="muted">Last run {when(data.lifecycle.last_run_at)} (expired {data.lifecycle.last_run.expired}, archived {data.lifecycle.last_run.archived}, purged {data.lifecycle.last_run.purged}); next {when(data.lifecycle.next_run_at)}.</p>
                <form class="form" onSubmit={(e) => {
                  e.preventDefault();
                  const f = fields(e.currentTarget as HTMLFormElement);
                  void action.run(async () => {
                    const ttl = Object.fromEntries(TYPES.map((t) => [t, f[`ttl_${t}`] === undefined ? null : Number(f[`ttl_${t}`]) * 86_400]));
                    await client().PUT("/v1/cubes/{id}/lifecycle", { params: { path: { id: cube } }, body: { ttl_seconds: ttl, archive_after_days: days(f.archive_after_days), purge_tombstones_after_days: days(f.purge_tombstones_after_days) } });
                    setNotice("Lifecycle policy saved.");
                    reload();
                  });
                }}>
                  <fieldset class="weights"><legend>Time to live per type, in days (empty: forever)</legend>
                    {TYPES.map((t) => {
                      const s = (data.lifecycle?.policy.ttl_seconds as Record<string, number | null | undefined>)[t];
                      return <label key={t}>{t} <input name={`ttl_${t}`} type="number" min="1" defaultValue={s ? String(s / 86_400) : ""} /></label>;
                    })}
                  </fieldset>
                  <label>Archive after (days unused) <input name="archive_after_days" type="number" min="1" defaultValue={String(data.lifecycle.policy.archive_after_days ?? "")} /></label>
                  <label>Purge tombstones after (days) <input name="purge_tombstones_after_days" type="number" min="1" defaultValue={String(data.lifecycle.policy.purge_tombstones_after_days ?? "")} /></label>
                  <button type="submit" disabled={action.busy}>Save lifecycle</button>
                </form>
              </section>
            ) : null}
            {data.privacy ? (
              <section aria-label="Privacy">
                <h2>Privacy</h2>
                <p>Mode <strong>{data.privacy.mode}</strong>; {data.privacy.vault_entries} values in the vault. Changing it needs the admin scope.</p>
                <div class="actions-row">
                  {(["mask", "redact", "off"] as Mode[]).map((m) => (
                    <button key={m} type="button" disabled={action.busy || data.privacy?.mode === m} onClick={() => void action.run(async () => {
                      await client().PUT("/v1/cubes/{id}/privacy", { params: { path: { id: cube } }, body: { mode: m } });
                      setNotice(`Privacy mode set to ${m}.`);
                      reload();
                    })}>Set {m}</button>
                  ))}
                </div>
              </section>
            ) : null}
            <Notice text={notice} />
            {action.error ? <ErrorState error={action.error} /> : null}
          </>
        ) : null} />
      )}
    </Page>
  );
}
