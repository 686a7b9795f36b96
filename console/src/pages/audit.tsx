// Audit log (audit:read): entries with the API's filters and paging, and verification of the hash chains.
import { useState } from "preact/hooks";
import type { Query } from "@memos-edge/client";
import { client } from "../api";
import { go, href } from "../router";
import { Empty, ErrorState, fields, Loaded, Page, useAction, useLoad, when } from "../ui";

const FILTERS = ["chain", "cube_id", "action", "key_id", "target_id", "from", "to"] as const;
interface Verified { ok: boolean; chains: { chain: string; ok: boolean; entries: number; first_bad_seq?: number; reason?: string; truncated?: boolean }[]; chains_left_out: number }

export function Audit({ params }: { params: URLSearchParams }) {
  const q = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? undefined])) as Record<(typeof FILTERS)[number], string | undefined>;
  const cursor = params.get("cursor") ?? undefined;
  const [load, reload] = useLoad(async () => (await client().GET("/v1/audit", { params: { query: { ...q, action: q.action as Query<"/v1/audit", "get">["action"], cursor, limit: 50 } } })).data ?? { entries: [], next_cursor: null }, [params.toString()]);
  const verify = useAction();
  const [verified, setVerified] = useState<Verified | null>(null);
  return (
    <Page title="Audit log" ready={load.state !== "loading"}>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); go(href(["audit"], fields(e.currentTarget as HTMLFormElement))); }}>
        {FILTERS.map((k) => <label key={k}>{k} <input name={k} defaultValue={q[k]} placeholder={k === "from" || k === "to" ? "ISO time" : ""} /></label>)}
        <div class="filter-buttons"><button type="submit">Filter</button> <a href={href(["audit"])}>Clear</a></div>
      </form>
      <div class="actions-row">
        <button type="button" disabled={verify.busy} onClick={() => void verify.run(async () => {
          const r = await client().POST("/v1/audit/verify", { body: q.chain ? { chain: q.chain } : {} });
          setVerified((r.data as Verified | undefined) ?? null);
        })}>{verify.busy ? "Verifying…" : q.chain ? `Verify chain ${q.chain}` : "Verify every chain"}</button>
      </div>
      {verified ? (
        <div class={`state ${verified.ok ? "state-ok" : "state-error"}`} role="status" data-testid="verify">
          <h2>{verified.ok ? "Every chain checks" : "A chain does not check"}</h2>
          <ul>{verified.chains.map((c) => <li key={c.chain}><code>{c.chain}</code>: {c.entries} entries, {c.ok ? "intact" : `broken at seq ${c.first_bad_seq} (${c.reason})`}{c.truncated ? ", not all checked" : ""}</li>)}</ul>
          {verified.chains_left_out ? <p>{verified.chains_left_out} chains left out (budget); verify them one at a time.</p> : null}
        </div>
      ) : null}
      {verify.error ? <ErrorState error={verify.error} /> : null}
      <Loaded load={load} retry={reload} rows={10} render={(data) => data.entries.length === 0 ? <Empty title="No entries"><p>Nothing recorded matches. Writes, key changes and settings changes are recorded as they happen.</p></Empty> : (
        <>
          <table class="table">
            <thead><tr><th scope="col">At</th><th scope="col">Chain</th><th scope="col">Seq</th><th scope="col">Action</th><th scope="col">Targets</th><th scope="col">Key</th><th scope="col">Hash</th></tr></thead>
            <tbody>{data.entries.map((e) => (
              <tr key={`${e.chain}:${e.seq}`}><td class="nowrap">{when(e.at)}</td><td><a href={href(["audit"], { chain: e.chain })}>{e.chain}</a></td><td>{e.seq}</td><td>{e.action}</td>
                <td class="small">{e.target_ids.join(", ")}</td><td class="small">{e.key_id ?? "—"}</td><td><code class="small">{e.hash.slice(0, 12)}</code></td></tr>
            ))}</tbody>
          </table>
          <nav class="pager" aria-label="Pages of the audit log">
            {cursor ? <a href={href(["audit"], { ...q })}>First page</a> : null}
            {data.next_cursor ? <a href={href(["audit"], { ...q, cursor: data.next_cursor })}>Next page</a> : <span class="muted">End of the log</span>}
          </nav>
        </>
      )} />
    </Page>
  );
}
