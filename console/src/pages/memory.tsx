// One memory: its fields, validity window, versions as word diffs, provenance, sources and entities; edit, archive, restore, delete.
import { diffWords } from "diff";
import { useState } from "preact/hooks";
import { client, MemosError } from "../api";
import { go, href } from "../router";
import { Empty, ErrorState, fields, list, Loaded, Notice, Page, useAction, useLoad, when } from "../ui";

export function MemoryPage({ id, params }: { id: string; params: URLSearchParams }) {
  const scope = { cube_id: params.get("cube_id") ?? undefined, user_id: params.get("user_id") ?? undefined };
  const [load, reload] = useLoad(async () => {
    const c = client();
    const [memory, history, provenance] = await Promise.all([
      c.memories.get(id, scope),
      c.memories.history(id, scope),
      c.GET("/v1/memories/{id}/provenance", { params: { path: { id }, query: scope } }).then((r) => r.data ?? null, () => null),
    ]);
    return { memory, history, provenance };
  }, [id, params.toString()]);
  const action = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);

  if (load.state === "error" && load.error instanceof MemosError && load.error.code === "not_found") {
    return (
      <Page title="Memory not found" ready={true}>
        <Empty title="No memory with this id">
          <p>It may have been deleted, or it belongs to a cube this key cannot see. <a href={href(["memories"])}>Back to the memories</a>.</p>
        </Empty>
      </Page>
    );
  }
  return (
    <Page title="Memory" ready={load.state !== "loading"}>
      <Loaded
        load={load}
        retry={reload}
        rows={14}
        render={({ memory: m, history, provenance }) => {
          const versions = [...history.versions].sort((a, b) => a.version - b.version);
          const sig = provenance ? new Map(provenance.versions.map((v) => [v.version, v])) : null;
          return (
            <>
              <p class="memory-text" data-testid="memory-text">{m.text}</p>
              <dl class="facts">
                <dt>id</dt><dd><code>{m.id}</code></dd>
                <dt>cube</dt><dd><a href={href(["memories"], { cube_id: m.cube_id })}>{m.cube_id}</a></dd>
                <dt>user / agent / session</dt><dd>{m.user_id ?? "—"} / {m.agent_id ?? "—"} / {m.session_id ?? "—"}</dd>
                <dt>type</dt><dd>{m.type}</dd>
                <dt>state</dt><dd data-testid="memory-state">{m.state}</dd>
                <dt>version</dt><dd data-testid="memory-version">{m.version}</dd>
                <dt>importance</dt><dd>{m.importance}</dd>
                <dt>tags</dt><dd>{m.tags.length ? m.tags.join(", ") : "—"}</dd>
                <dt>event time</dt><dd>{when(m.event_time)}</dd>
                <dt>expires</dt><dd>{when(m.expires_at)}</dd>
                <dt>seen</dt><dd>{m.seen_count} times, last {when(m.last_seen_at)}</dd>
              </dl>

              <h2>Validity</h2>
              <Validity from={m.valid_from} to={m.valid_to} marks={versions.map((v) => ({ at: v.at, label: `v${v.version} ${v.reason}` }))} />

              <h2>Entities</h2>
              {m.entities.length ? (
                <ul class="chips">
                  {m.entities.map((e) => (
                    <li key={e}><a href={href(["search"], { query: e, user_id: m.user_id ?? undefined, cube_id: m.user_id ? undefined : m.cube_id })}>{e}</a></li>
                  ))}
                </ul>
              ) : <p class="muted">No entities were linked to this memory.</p>}
              <p class="small">
                <a href={href(["graph"], m.user_id ? { user_id: m.user_id } : { cube_id: m.cube_id })}>Entity graph</a> ·{" "}
                <a href={href(["timeline"], m.user_id ? { user_id: m.user_id } : { cube_id: m.cube_id })}>Timeline</a> of {m.user_id ? `user ${m.user_id}` : `cube ${m.cube_id}`}
              </p>

              <h2>Sources</h2>
              {m.source_message_ids.length ? (
                <ul>{m.source_message_ids.map((s) => <li key={s}><code>{s}</code></li>)}</ul>
              ) : <p class="muted">Stored directly (no source messages).</p>}
              {provenance ? (
                <p class={provenance.ok ? "ok" : "bad"}>Provenance: {provenance.ok ? "every version's signature checks" : "a version's signature does not check"}.</p>
              ) : null}

              <h2>Versions</h2>
              <ol class="versions" data-testid="versions">
                {versions.map((v, i) => {
                  const prev = versions[i - 1];
                  const s = sig?.get(v.version);
                  return (
                    <li key={v.version} data-version={v.version}>
                      <div class="version-head">
                        <strong>v{v.version}</strong> {v.reason} · {when(v.at)}
                        {v.source ? <> · source <code>{v.source}</code></> : null}
                        {s ? <span class={s.signature_valid ? "ok" : "bad"}> · {s.signature_valid ? "signed" : "signature invalid"}</span> : null}
                      </div>
                      <p class="diff">
                        {prev
                          ? diffWords(prev.memory.text, v.memory.text).map((part, j) =>
                              part.added ? <ins key={j}>{part.value}</ins> : part.removed ? <del key={j}>{part.value}</del> : <span key={j}>{part.value}</span>,
                            )
                          : v.memory.text}
                      </p>
                    </li>
                  );
                })}
              </ol>

              <h2>Edit</h2>
              {m.state === "deleted" ? <p class="muted">A deleted memory cannot be edited.</p> : (
                <form
                  class="form"
                  aria-label="Edit memory"
                  onSubmit={(e) => {
                    e.preventDefault();
                    const f = fields(e.currentTarget as HTMLFormElement);
                    void action.run(async () => {
                      await client().memories.update(m.id, {
                        text: f.text,
                        tags: list(f.tags) ?? [],
                        importance: f.importance === undefined ? undefined : Number(f.importance),
                        expected_version: m.version,
                      });
                      setNotice(`Saved as version ${m.version + 1}.`);
                      reload();
                    });
                  }}
                >
                  <label>Text <textarea name="text" rows={3} defaultValue={m.text} key={`t${m.version}`} required /></label>
                  <label>Tags <input name="tags" defaultValue={m.tags.join(",")} key={`g${m.version}`} /></label>
                  <label>Importance <input name="importance" type="number" min="0" max="1" step="any" defaultValue={String(m.importance)} key={`i${m.version}`} /></label>
                  <button type="submit" disabled={action.busy}>Save a new version</button>
                </form>
              )}
              <div class="actions-row">
                {m.state === "active" ? (
                  <button type="button" disabled={action.busy} onClick={() => void action.run(async () => {
                    await client().POST("/v1/memories/{id}/archive", { params: { path: { id: m.id }, query: { cube_id: m.cube_id } } });
                    setNotice("Archived: searches leave it out until it is restored.");
                    reload();
                  })}>Archive</button>
                ) : null}
                {m.state === "archived" ? (
                  <button type="button" disabled={action.busy} onClick={() => void action.run(async () => {
                    await client().POST("/v1/memories/{id}/restore", { params: { path: { id: m.id }, query: { cube_id: m.cube_id } } });
                    setNotice("Restored to active.");
                    reload();
                  })}>Restore from archive</button>
                ) : null}
                {m.state !== "deleted" ? (
                  confirming ? (
                    <>
                      <button type="button" class="danger" disabled={action.busy} onClick={() => void action.run(async () => {
                        await client().memories.delete(m.id, { cube_id: m.cube_id });
                        go(href(["memories"], { user_id: m.user_id ?? undefined, cube_id: m.user_id ? undefined : m.cube_id, deleted: m.id }));
                      })}>Yes, delete it</button>
                      <button type="button" onClick={() => setConfirming(false)}>Keep it</button>
                    </>
                  ) : (
                    <button type="button" class="danger" onClick={() => setConfirming(true)}>Delete…</button>
                  )
                ) : null}
              </div>
              <Notice text={notice} />
              {action.error ? <ErrorState error={action.error} /> : null}
            </>
          );
        }}
      />
    </Page>
  );
}

/** The validity window on a time axis: from valid_from to valid_to (or now, open), with each version's time marked. */
function Validity({ from, to, marks }: { from: string; to: string | null; marks: { at: string; label: string }[] }) {
  const start = Date.parse(from);
  const end = to ? Date.parse(to) : Date.now();
  const times = [start, end, ...marks.map((m) => Date.parse(m.at))].filter((t) => !Number.isNaN(t));
  const lo = Math.min(...times);
  const hi = Math.max(...times, lo + 1);
  const x = (t: number) => 10 + ((t - lo) / (hi - lo)) * 580;
  return (
    <figure class="validity">
      <svg viewBox="0 0 600 50" role="img" aria-label={`Valid from ${when(from)} ${to ? `to ${when(to)}` : "until now (open)"}`}>
        <line x1="10" x2="590" y1="25" y2="25" class="axis" />
        <rect x={x(start)} y="18" width={Math.max(2, x(end) - x(start))} height="14" class={to ? "window closed" : "window open"} />
        {marks.map((m) => <circle key={m.label} cx={x(Date.parse(m.at))} cy="25" r="4" class="mark"><title>{`${m.label} ${when(m.at)}`}</title></circle>)}
      </svg>
      <figcaption>Valid from {when(from)} {to ? `to ${when(to)}` : "until now (still valid)"}</figcaption>
    </figure>
  );
}
