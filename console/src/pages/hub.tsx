// The hub: search and list listings, a listing's page (install into a cube), a cube's installs (update_available),
// the review queue of pending listings (approve / reject with a reason, hub:admin), and groups with their members.
import { useState } from "preact/hooks";
import { client } from "../api";
import { go, href } from "../router";
import { Empty, ErrorState, fields, Loaded, Notice, Page, useAction, useLoad, when } from "../ui";

const KINDS = ["memory", "skill"] as const;
const STATUSES = ["pending", "approved", "rejected"] as const;
const oneOf = <T extends string>(list: readonly T[], v: string | null): T | undefined => list.find((x) => x === v);

type Listing = {
  id: string;
  kind: "memory" | "skill";
  title: string;
  status: "pending" | "approved" | "rejected";
  visibility: { tenant: true } | { group_id: string };
  source: { cube_id: string; id: string; version: number };
  note: string | null;
  reason: string | null;
  content: Record<string, unknown>;
  updated_at: string;
  decided_by: string | null;
  decided_at: string | null;
  /** A newer snapshot waiting for review (or rejected) while this approved one serves; only its publisher and approvers see it. */
  revision: { status: "pending" | "rejected"; title: string; visibility: Listing["visibility"]; source: { version: number }; content: Record<string, unknown> } | null;
};

const shared = (v: Listing["visibility"]) => ("group_id" in v ? `group ${v.group_id}` : "the tenant");

function Tabs({ current }: { current: string }) {
  const tabs: [string, string, string][] = [["hub", "Search and list", ""], ["hub/review", "Review queue", "review"], ["hub/installs", "Installs", "installs"], ["hub/groups", "Groups", "groups"]];
  return (
    <nav class="chips" aria-label="Hub pages">
      {tabs.map(([path, label, key]) => <a key={path} class="chip" href={href(path.split("/"))} aria-current={current === key ? "page" : undefined}>{label}</a>)}
    </nav>
  );
}

export function Hub({ params, parts }: { params: URLSearchParams; parts: string[] }) {
  const [sub, id] = parts;
  if (sub === "review") return <Review params={params} />;
  if (sub === "installs") return <Installs params={params} />;
  if (sub === "groups") return <Groups id={id} />;
  if (sub === "listings" && id) return <ListingPage id={id} />;
  return <Browse params={params} />;
}

function ListingTable({ listings, scores }: { listings: Listing[]; scores?: number[] }) {
  return (
    <table class="table">
      <caption class="sr-only">Listings</caption>
      <thead><tr><th scope="col">Title</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Shared with</th><th scope="col">{scores ? "Score" : "Changed"}</th></tr></thead>
      <tbody>{listings.map((l, i) => (
        <tr key={l.id}>
          <td class="text-cell"><a href={href(["hub", "listings", l.id])}>{l.title}</a>{l.note ? <div class="muted small">{l.note}</div> : null}</td>
          <td>{l.kind}</td><td><span class="chip">{l.status}</span></td><td>{shared(l.visibility)}</td>
          <td class="nowrap">{scores ? (scores[i] ?? 0).toFixed(3) : when(l.updated_at)}</td>
        </tr>
      ))}</tbody>
    </table>
  );
}

function Browse({ params }: { params: URLSearchParams }) {
  const q = params.get("q") ?? undefined;
  const kind = oneOf(KINDS, params.get("kind"));
  const status = oneOf(STATUSES, params.get("status"));
  const cursor = params.get("cursor") ?? undefined;
  const [load, reload] = useLoad(async () => {
    const c = client();
    if (q) {
      const r = await c.POST("/v1/hub/search", { body: { query: q, kind, top_k: 20 } });
      const results = r.data?.results ?? [];
      return { listings: results.map((x) => x.listing as Listing), scores: results.map((x) => x.score), next_cursor: null };
    }
    const r = await c.GET("/v1/hub/listings", { params: { query: { kind, status, cursor, limit: 30 } } });
    return { listings: (r.data?.listings ?? []) as Listing[], scores: undefined, next_cursor: r.data?.next_cursor ?? null };
  }, [params.toString()]);
  return (
    <Page title="Hub" ready={load.state !== "loading"}>
      <Tabs current="" />
      <form class="filters" aria-label="Search the hub" onSubmit={(e) => { e.preventDefault(); go(href(["hub"], fields(e.currentTarget as HTMLFormElement))); }}>
        <label>search <input name="q" type="search" defaultValue={q ?? ""} placeholder="approved listings" /></label>
        <label>kind <select name="kind"><option value="">any</option>{KINDS.map((k) => <option key={k} value={k} selected={k === kind}>{k}</option>)}</select></label>
        <label>status (list only) <select name="status"><option value="">any I see</option>{STATUSES.map((k) => <option key={k} value={k} selected={k === status}>{k}</option>)}</select></label>
        <div class="filter-buttons"><button type="submit">{q ? "Search" : "List"}</button> <a href={href(["hub"])}>Clear</a></div>
      </form>
      <Loaded load={load} retry={reload} rows={8} render={(data) => data.listings.length === 0 ? (
        <Empty title={q || kind || status ? "No listing matches" : "The hub is empty"}>
          <p>{q ? "Search covers approved listings shared with this key's tenant or groups. " : ""}Publish a memory or skill of a cube you may write with <code>POST /v1/hub/listings</code>; an approver (hub:admin) approves it in the <a href={href(["hub", "review"])}>review queue</a>.</p>
        </Empty>
      ) : (
        <>
          <ListingTable listings={data.listings} scores={data.scores} />
          <nav class="pager" aria-label="Pages of listings">
            {cursor ? <a href={href(["hub"], { kind, status })}>First page</a> : null}
            {data.next_cursor ? <a href={href(["hub"], { kind, status, cursor: data.next_cursor })}>Next page</a> : <span class="muted">End of the list</span>}
          </nav>
        </>
      )} />
    </Page>
  );
}

function Review({ params }: { params: URLSearchParams }) {
  const cursor = params.get("cursor") ?? undefined;
  const [load, reload] = useLoad(async () => {
    const [r, self] = await Promise.all([client().GET("/v1/hub/listings", { params: { query: { status: "pending", cursor, limit: 30 } } }), client().GET("/v1/keys/self")]);
    const scopes = self.data?.key.scopes ?? [];
    // Buttons only for a key that may decide: the server refuses the others anyway (403).
    return { listings: (r.data?.listings ?? []) as Listing[], next_cursor: r.data?.next_cursor ?? null, approver: scopes.includes("hub:admin") || scopes.includes("admin"), key: self.data?.key.name ?? null };
  }, [cursor]);
  const action = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Page title="Hub review queue" ready={load.state !== "loading"}>
      <Tabs current="review" />
      {load.state === "ready" && !load.data.approver ? (
        <p class="muted" data-testid="not-approver">This key{load.data.key ? ` (${load.data.key})` : ""} cannot approve or reject: that needs the <code>hub:admin</code> scope (or <code>admin</code>). It sees only its own pending listings here.</p>
      ) : null}
      <Notice text={notice} />
      {action.error ? <ErrorState error={action.error} /> : null}
      <Loaded load={load} retry={reload} rows={6} render={(data) => data.listings.length === 0 ? (
        <Empty title="Nothing awaits review"><p>New listings (<code>POST /v1/hub/listings</code>) arrive here as pending.</p></Empty>
      ) : (
        <ul class="review-list">
          {data.listings.map((l) => {
            // A revision of an approved listing is reviewed on its own snapshot; the approved one keeps serving meanwhile.
            const rev = l.revision?.status === "pending" ? l.revision : null;
            return (
            <li key={l.id} class="result" data-testid="pending-listing">
              <h2 class="small"><a href={href(["hub", "listings", l.id])}>{rev ? rev.title : l.title}</a> <span class="muted">({l.kind}, for {shared(rev ? rev.visibility : l.visibility)}, source v{rev ? rev.source.version : l.source.version}{rev ? `, a revision of the approved v${l.source.version}` : ""})</span></h2>
              <ContentView listing={rev ? { ...l, content: rev.content } : l} />
              {!data.approver ? null : <form class="actions-row" aria-label={`Decide on ${l.title}`} onSubmit={(e) => {
                e.preventDefault();
                const form = e.currentTarget as HTMLFormElement;
                const reason = fields(form).reason;
                const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
                void action.run(async () => {
                  if (submitter?.value === "reject") await client().POST("/v1/hub/listings/{id}/reject", { params: { path: { id: l.id } }, body: { reason: reason ?? "" } });
                  else await client().POST("/v1/hub/listings/{id}/approve", { params: { path: { id: l.id } }, body: {} });
                  setNotice(`${submitter?.value === "reject" ? "Rejected" : "Approved"} “${l.title}”.`);
                  reload();
                });
              }}>
                <button type="submit" value="approve" disabled={action.busy}>Approve</button>
                <label>Reason (to reject) <input name="reason" maxLength={1000} /></label>
                <button type="submit" value="reject" class="danger" disabled={action.busy}>Reject</button>
              </form>}
            </li>
            );
          })}
        </ul>
      )} />
    </Page>
  );
}

/** A listing's snapshot: a memory's text, or a skill's description and steps; never HTML. */
function ContentView({ listing }: { listing: Listing }) {
  const c = listing.content;
  const text = typeof c.text === "string" ? c.text : typeof c.description === "string" ? c.description : null;
  const steps = Array.isArray(c.steps) ? (c.steps as Array<{ text?: unknown }>).map((s) => String(s.text ?? "")) : [];
  return (
    <div class="listing-content">
      {text ? <p class="memory-text">{text}</p> : null}
      {steps.length ? <ol>{steps.map((s, i) => <li key={i}>{s}</li>)}</ol> : null}
    </div>
  );
}

function ListingPage({ id }: { id: string }) {
  const [load, reload] = useLoad(() => client().GET("/v1/hub/listings/{id}", { params: { path: { id } } }).then((r) => r.data as Listing), [id]);
  const action = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Page title={load.state === "ready" ? `Listing ${load.data.title}` : "Listing"} ready={load.state !== "loading"}>
      <Tabs current="listing" />
      <Loaded load={load} retry={reload} rows={8} render={(l) => (
        <>
          <dl class="facts">
            <dt>kind</dt><dd>{l.kind}</dd>
            <dt>status</dt><dd data-testid="listing-status">{l.status}{l.reason ? `: ${l.reason}` : ""}</dd>
            <dt>shared with</dt><dd>{shared(l.visibility)}</dd>
            <dt>source</dt><dd>{l.source.cube_id} / {l.source.id} v{l.source.version}</dd>
            <dt>decided</dt><dd>{l.decided_by ? `${l.decided_by}, ${when(l.decided_at)}` : "—"}</dd>
          </dl>
          <ContentView listing={l} />
          <details><summary>The snapshot as JSON</summary><pre class="json">{JSON.stringify(l.content, null, 2)}</pre></details>
          <h2>Install</h2>
          {l.status !== "approved" ? <p class="muted">Only approved listings install; this one is {l.status}.</p> : (
            <form class="form" aria-label="Install into a cube" onSubmit={(e) => {
              e.preventDefault();
              const f = fields(e.currentTarget as HTMLFormElement);
              void action.run(async () => {
                const body = f.cube_id ? { cube_id: f.cube_id } : { user_id: f.user_id ?? "" };
                const r = await client().POST("/v1/hub/listings/{id}/install", { params: { path: { id } }, body });
                setNotice(r.data ? `Installed as ${r.data.installed_id} in ${r.data.target_cube_id} (v${r.data.installed_version}${r.data.upgraded ? ", upgraded" : ""}).` : "Installed.");
                if (r.data) go(href(["hub", "installs"], { cube_id: r.data.target_cube_id }));
              });
            }}>
              <label>user_id <input name="user_id" /></label>
              <label>or cube_id <input name="cube_id" /></label>
              <p class="muted small">A cube this key may write; a user's cube is made on first write.</p>
              <div class="actions-row"><button type="submit" disabled={action.busy}>Install</button></div>
            </form>
          )}
          <Notice text={notice} />
          {action.error ? <ErrorState error={action.error} /> : null}
        </>
      )} />
    </Page>
  );
}

function Installs({ params }: { params: URLSearchParams }) {
  const cube = params.get("cube_id") ?? undefined;
  const user = params.get("user_id") ?? undefined;
  const scoped = Boolean(cube || user);
  const [load, reload] = useLoad(async () => (scoped ? (await client().GET("/v1/hub/installs", { params: { query: cube ? { cube_id: cube } : { user_id: user } } })).data?.installs ?? [] : []), [cube, user]);
  return (
    <Page title="Hub installs" ready={load.state !== "loading"}>
      <Tabs current="installs" />
      <form class="filters" aria-label="Whose installs" onSubmit={(e) => { e.preventDefault(); go(href(["hub", "installs"], fields(e.currentTarget as HTMLFormElement))); }}>
        <label>user_id <input name="user_id" defaultValue={user ?? ""} /></label>
        <label>or cube_id <input name="cube_id" defaultValue={cube ?? ""} /></label>
        <div class="filter-buttons"><button type="submit">Show</button></div>
      </form>
      {!scoped ? <Empty title="Which cube?"><p>Name a user or a cube to see what was installed into it from the hub.</p></Empty> : (
        <Loaded load={load} retry={reload} rows={6} render={(rows) => rows.length === 0 ? <Empty title="Nothing installed here"><p>Open an approved listing in the <a href={href(["hub"])}>hub</a> and install it.</p></Empty> : (
          <table class="table">
            <caption class="sr-only">Installs</caption>
            <thead><tr><th scope="col">Listing</th><th scope="col">Kind</th><th scope="col">Installed</th><th scope="col">Version</th><th scope="col">Update</th><th scope="col">Listing status</th></tr></thead>
            <tbody>{rows.map((i) => (
              <tr key={i.listing_id}>
                <td><a href={href(["hub", "listings", i.listing_id])}>{i.listing_id}</a></td>
                <td>{i.kind}</td>
                <td>{i.kind === "skill" ? <a href={href(["skills", i.installed_id], { cube_id: i.target_cube_id })}>{i.installed_id}</a> : <a href={href(["memories", i.installed_id], { cube_id: i.target_cube_id })}>{i.installed_id}</a>}</td>
                <td>v{i.installed_version}{i.source_version !== null ? ` (source v${i.source_version})` : ""}</td>
                <td data-testid="update-available">{i.update_available ? (i.upgrade_ready ? "update available: install again to upgrade" : "update available, awaiting approval") : "up to date"}</td>
                <td>{i.listing_status}</td>
              </tr>
            ))}</tbody>
          </table>
        )} />
      )}
    </Page>
  );
}

function Groups({ id }: { id: string | undefined }) {
  const [load, reload] = useLoad(async () => {
    const c = client();
    const groups = (await c.GET("/v1/groups")).data?.groups ?? [];
    const group = id ? (await c.GET("/v1/groups/{id}", { params: { path: { id } } })).data ?? null : null;
    return { groups, group };
  }, [id]);
  return (
    <Page title="Hub groups" ready={load.state !== "loading"}>
      <Tabs current="groups" />
      <Loaded load={load} retry={reload} rows={6} render={({ groups, group }) => (
        <>
          {groups.length === 0 ? <Empty title="No groups"><p>An admin key creates groups (<code>POST /v1/groups</code>) and adds users or agents to share listings with them only.</p></Empty> : (
            <table class="table">
              <caption class="sr-only">Groups</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Created</th></tr></thead>
              <tbody>{groups.map((g) => <tr key={g.id}><td><a href={href(["hub", "groups", g.id])}>{g.name}</a></td><td>{g.description ?? "—"}</td><td class="nowrap">{when(g.created_at)}</td></tr>)}</tbody>
            </table>
          )}
          {group ? (
            <>
              <h2>Members of {group.name}</h2>
              {group.members.length === 0 ? <p class="muted">No members yet: add them with <code>POST /v1/groups/{group.id}/members</code>.</p> : <ul>{group.members.map((m) => <li key={`${m.kind}:${m.id}`}>{m.kind} <code>{m.id}</code></li>)}</ul>}
            </>
          ) : null}
        </>
      )} />
    </Page>
  );
}
