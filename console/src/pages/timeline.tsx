// Timeline: a user's (or cube's) memories placed by event time (else creation time), by month, a page of 200 at a time.
import { useEffect, useState } from "preact/hooks";
import { client } from "../api";
import { go, href } from "../router";
import { Empty, ErrorState, fields, Page, Skeleton, useAction, when } from "../ui";

interface Item { id: string; cube_id: string; text: string; type: string; at: string; event: boolean }

export function Timeline({ params }: { params: URLSearchParams }) {
  const user = params.get("user_id") ?? undefined;
  const cube = params.get("cube_id") ?? undefined;
  const [items, setItems] = useState<Item[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const more = useAction();
  const page = async (after: string | undefined) => {
    const r = await client().memories.list({ user_id: user, cube_id: cube, limit: 200, cursor: after });
    setCursor(r.next_cursor);
    return r.memories.map((m) => ({ id: m.id, cube_id: m.cube_id, text: m.text, type: m.type, at: m.event_time ?? m.created_at, event: m.event_time !== null }));
  };
  useEffect(() => {
    setItems(null);
    setError(null);
    if (!user && !cube) return;
    page(undefined).then(setItems, setError);
  }, [user, cube]);
  const scoped = Boolean(user || cube);
  return (
    <Page title="Timeline" ready={!scoped || items !== null || error !== null}>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); go(href(["timeline"], fields(e.currentTarget as HTMLFormElement))); }}>
        <label>user_id <input name="user_id" defaultValue={user} /></label>
        <label>or cube_id <input name="cube_id" defaultValue={cube} /></label>
        <div class="filter-buttons"><button type="submit">Show</button></div>
      </form>
      {!scoped ? <Empty title="Whose timeline?"><p>Name a user (or a cube) to place their memories in time.</p></Empty>
        : error ? <ErrorState error={error} />
        : items === null ? <Skeleton rows={10} />
        : items.length === 0 ? <Empty title="No memories yet"><p>This user has no memories. <a href={href(["memories", "new"])}>Add one</a>.</p></Empty>
        : (
          <>
            <Chart items={items} />
            <Months items={items} />
            <div class="pager">
              {cursor ? <button type="button" disabled={more.busy} onClick={() => void more.run(async () => { const next = await page(cursor); setItems((old) => [...(old ?? []), ...next]); })}>Load 200 more</button> : <span class="muted">All {items.length} memories shown.</span>}
            </div>
            {more.error ? <ErrorState error={more.error} /> : null}
          </>
        )}
    </Page>
  );
}

function monthOf(iso: string) { return iso.slice(0, 7); }

/** Memories per month as bars on a time axis (event times solid, creation times lighter). */
function Chart({ items }: { items: Item[] }) {
  const byMonth = new Map<string, { event: number; created: number }>();
  for (const i of items) {
    const m = byMonth.get(monthOf(i.at)) ?? { event: 0, created: 0 };
    if (i.event) m.event++; else m.created++;
    byMonth.set(monthOf(i.at), m);
  }
  const months = [...byMonth.keys()].sort();
  const max = Math.max(1, ...[...byMonth.values()].map((m) => m.event + m.created));
  const w = Math.max(8, Math.min(40, 900 / months.length));
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${months.length * w + 20} 130`} role="img" aria-label={`Memories per month, ${months[0]} to ${months[months.length - 1]}`}>
        {months.map((m, i) => {
          const c = byMonth.get(m) ?? { event: 0, created: 0 };
          const he = (c.event / max) * 100;
          const hc = (c.created / max) * 100;
          return (
            <g key={m}>
              <rect x={10 + i * w} y={110 - he} width={w - 2} height={he} class="bar-event"><title>{`${m}: ${c.event} by event time`}</title></rect>
              <rect x={10 + i * w} y={110 - he - hc} width={w - 2} height={hc} class="bar-created"><title>{`${m}: ${c.created} by creation time`}</title></rect>
              {i % Math.ceil(months.length / 12) === 0 ? <text x={10 + i * w} y="125" class="tick">{m}</text> : null}
            </g>
          );
        })}
      </svg>
      <figcaption>Memories per month: dark by event time, light by creation time (no event time).</figcaption>
    </figure>
  );
}

function Months({ items }: { items: Item[] }) {
  const sorted = [...items].sort((a, b) => b.at.localeCompare(a.at));
  const groups: [string, Item[]][] = [];
  for (const i of sorted) {
    const last = groups[groups.length - 1];
    if (last && last[0] === monthOf(i.at)) last[1].push(i);
    else groups.push([monthOf(i.at), [i]]);
  }
  return (
    <div class="months">
      {groups.map(([m, list]) => (
        <section key={m} aria-label={m}>
          <h2>{m} <span class="muted small">({list.length})</span></h2>
          <ul>
            {list.map((i) => (
              <li key={i.id}><span class="muted nowrap">{when(i.at).slice(0, 10)}{i.event ? "" : " (created)"}</span> <a href={href(["memories", i.id], { cube_id: i.cube_id })}>{i.text}</a></li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
