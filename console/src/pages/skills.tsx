// Skills (their own chunk, with the markdown reader): the list with filters and search, and a skill's page:
// its SKILL.md rendered, versions, reliability, feedback, and an instantiate form built from its parameter schema.
import { useState } from "preact/hooks";
import { client, MemosError } from "../api";
import { Markdown } from "../markdown";
import { go, href } from "../router";
import { Empty, ErrorState, fields, Loaded, Notice, Page, useAction, useLoad, when } from "../ui";

const STATES = ["probationary", "active", "retired"] as const;
const ORIGINS = ["mined", "upload", "hub"] as const;
type SkillState = (typeof STATES)[number];
type Origin = (typeof ORIGINS)[number];
const oneOf = <T extends string>(list: readonly T[], v: string | null): T | undefined => list.find((x) => x === v);

export function Skills({ params, id }: { params: URLSearchParams; id?: string | undefined }) {
  return id ? <SkillPage id={id} params={params} /> : <SkillList params={params} />;
}

function SkillList({ params }: { params: URLSearchParams }) {
  const p = (k: string) => params.get(k) ?? undefined;
  const where = { user_id: p("user_id"), cube_id: p("cube_id"), state: oneOf(STATES, params.get("state")), origin: oneOf(ORIGINS, params.get("origin")) };
  const query = p("q");
  const cursor = p("cursor");
  const [load, reload] = useLoad(async () => {
    const c = client();
    if (query) {
      const r = await c.POST("/v1/skills/search", { body: { ...where, query, top_k: 20 } });
      return { skills: (r.data?.results ?? []).map((x) => ({ ...x.skill, score: x.score as number | undefined })), next_cursor: null, coverage: r.data?.coverage };
    }
    const r = await c.GET("/v1/skills", { params: { query: { ...where, cursor, limit: 30 } } });
    return { skills: (r.data?.skills ?? []).map((s) => ({ ...s, score: undefined as number | undefined })), next_cursor: r.data?.next_cursor ?? null, coverage: r.data?.coverage };
  }, [params.toString()]);
  const current = { user_id: where.user_id, cube_id: where.cube_id, state: where.state, origin: where.origin, q: query };
  const filtered = Object.values(current).some(Boolean);
  return (
    <Page title="Skills" ready={load.state !== "loading"}>
      <form class="filters" aria-label="Filter and search skills" onSubmit={(e) => { e.preventDefault(); go(href(["skills"], fields(e.currentTarget as HTMLFormElement))); }}>
        <label>search <input name="q" type="search" defaultValue={query ?? ""} placeholder="what the skill does" /></label>
        <label>user_id <input name="user_id" defaultValue={where.user_id ?? ""} /></label>
        <label>or cube_id <input name="cube_id" defaultValue={where.cube_id ?? ""} /></label>
        <label>state <select name="state"><option value="">{query ? "probationary and active" : "any"}</option>{STATES.map((s) => <option key={s} value={s} selected={s === where.state}>{s}</option>)}</select></label>
        <label>origin <select name="origin"><option value="">any</option>{ORIGINS.map((s) => <option key={s} value={s} selected={s === where.origin}>{s}</option>)}</select></label>
        <div class="filter-buttons"><button type="submit">{query !== undefined ? "Search" : "Filter"}</button> <a href={href(["skills"])}>Clear</a></div>
      </form>
      <Loaded load={load} retry={reload} rows={10} render={(data) => data.skills.length === 0 ? (
        <Empty title={filtered ? "No skill matches" : "No skills yet"}>
          {filtered ? (
            <p>Loosen the filters or the search, or <a href={href(["skills"])}>clear them</a>.</p>
          ) : (
            <p>Skills are mined from procedures in conversations (extraction jobs), imported as SKILL.md (<code>POST /v1/skills/import</code>), or installed from the <a href={href(["hub"])}>hub</a>.</p>
          )}
        </Empty>
      ) : (
        <>
          {data.coverage && (data.coverage.failed.length > 0 || data.coverage.left_out > 0) ? <p class="notice notice-bad">Partial: {data.coverage.failed.length} cubes failed, {data.coverage.left_out} left out.</p> : null}
          <table class="table">
            <caption class="sr-only">{query ? "Skills ranked by the search" : "Skills, newest first"}</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">Origin</th><th scope="col">Reliability</th><th scope="col">v</th><th scope="col">Cube</th><th scope="col">{query ? "Score" : "Updated"}</th></tr></thead>
            <tbody>{data.skills.map((s) => (
              <tr key={s.id}>
                <td class="text-cell"><a href={href(["skills", s.id], { cube_id: s.cube_id })}>{s.name}</a><div class="muted small">{s.description}</div></td>
                <td><span class="chip">{s.state}</span></td>
                <td>{s.origin}</td>
                <td>{s.reliability.score.toFixed(2)} ({s.reliability.successes}✓ {s.reliability.failures}✗)</td>
                <td>{s.version}</td>
                <td>{s.cube_id}</td>
                <td class="nowrap">{s.score !== undefined ? s.score.toFixed(3) : when(s.updated_at)}</td>
              </tr>
            ))}</tbody>
          </table>
          <nav class="pager" aria-label="Pages of skills">
            {cursor ? <a href={href(["skills"], { ...current, cursor: undefined })}>First page</a> : null}
            {data.next_cursor ? <a href={href(["skills"], { ...current, cursor: data.next_cursor })}>Next page</a> : <span class="muted">End of the list</span>}
          </nav>
        </>
      )} />
    </Page>
  );
}

type Param = { type: "string" | "number" | "integer" | "boolean"; description?: string | undefined; enum?: Array<string | number> | undefined; default?: string | number | boolean | undefined };
type Step = { text: string; tool: { name: string; arguments: Record<string, unknown> } | null; condition: string | null };

/** The value a form field gives for a parameter of this type: undefined when empty; a number field that is no number stays text, for the API to refuse. */
function valueOf(p: Param, raw: string | undefined, checked: boolean): unknown {
  if (p.type === "boolean") return checked;
  if (raw === undefined || raw === "") return undefined;
  if (p.type === "number" || p.type === "integer") {
    const n = Number(raw);
    return Number.isFinite(n) ? n : raw;
  }
  return raw;
}

/** The 400's details as a message per parameter name (`params.x`), and the rest. */
function perField(error: unknown): { fields: Record<string, string>; rest: boolean } {
  if (!(error instanceof MemosError) || error.code !== "invalid_request" || !Array.isArray(error.details)) return { fields: {}, rest: error !== null };
  const out: Record<string, string> = {};
  let rest = false;
  for (const d of error.details as Array<{ path?: unknown; message?: unknown }>) {
    const m = typeof d.path === "string" ? /^params\.(.+)$/.exec(d.path) : null;
    if (m?.[1]) out[m[1]] = [out[m[1]], String(d.message)].filter(Boolean).join("; ");
    else rest = true;
  }
  return { fields: out, rest };
}

function InstantiateForm({ id, cube, parameters }: { id: string; cube: string; parameters: { properties: Record<string, Param>; required: string[] } }) {
  const action = useAction();
  const [steps, setSteps] = useState<Step[] | null>(null);
  const names = Object.keys(parameters.properties);
  const errs = perField(action.error);
  return (
    <form class="form" aria-label="Instantiate" noValidate onSubmit={(e) => {
      e.preventDefault();
      const form = e.currentTarget as HTMLFormElement;
      const data = new FormData(form);
      const params: Record<string, unknown> = {};
      for (const name of names) {
        const p = parameters.properties[name] as Param;
        const el = form.elements.namedItem(`p-${name}`);
        const v = valueOf(p, typeof data.get(`p-${name}`) === "string" ? (data.get(`p-${name}`) as string).trim() : undefined, el instanceof HTMLInputElement && el.checked);
        if (v !== undefined) params[name] = v;
      }
      setSteps(null);
      void action.run(async () => {
        const r = await client().POST("/v1/skills/{id}/instantiate", { params: { path: { id }, query: { cube_id: cube } }, body: { params } });
        setSteps(r.data?.steps ?? []);
      });
    }}>
      {names.length === 0 ? <p class="muted">This skill takes no parameters.</p> : null}
      {names.map((name) => {
        const p = parameters.properties[name] as Param;
        const required = parameters.required.includes(name);
        const err = errs.fields[name];
        const common = { id: `p-${name}`, name: `p-${name}`, "aria-invalid": err ? true : undefined, "aria-describedby": err ? `e-${name}` : p.description ? `d-${name}` : undefined } as const;
        return (
          <div key={name} class="param">
            <label for={`p-${name}`}>
              {name}{required ? <span aria-hidden="true"> *</span> : null} <span class="muted small">({p.type}{required ? ", required" : ""})</span>
            </label>
            {p.enum ? (
              <select {...common} required={required}>
                {required && p.default === undefined ? <option value="">choose…</option> : <option value="">(none)</option>}
                {/* Preact sets no defaultValue on a select: the option says it is chosen. */}
                {p.enum.map((v) => <option key={String(v)} value={String(v)} selected={p.default !== undefined && String(v) === String(p.default)}>{String(v)}</option>)}
              </select>
            ) : p.type === "boolean" ? (
              <input {...common} type="checkbox" defaultChecked={p.default === true} />
            ) : (
              <input {...common} type="text" inputMode={p.type === "string" ? undefined : p.type === "integer" ? "numeric" : "decimal"} required={required} defaultValue={p.default === undefined ? "" : String(p.default)} />
            )}
            {p.description ? <div id={`d-${name}`} class="muted small">{p.description}</div> : null}
            {err ? <div id={`e-${name}`} class="bad small" data-testid={`param-error-${name}`}>{err}</div> : null}
          </div>
        );
      })}
      <div class="actions-row"><button type="submit" disabled={action.busy}>Instantiate</button></div>
      {action.error && (errs.rest || Object.keys(errs.fields).length === 0) ? <ErrorState error={action.error} /> : null}
      {action.error && Object.keys(errs.fields).length > 0 ? <p class="notice notice-bad" role="alert">Correct the marked parameters and try again.</p> : null}
      {steps ? (
        <>
          <h3>Rendered steps</h3>
          <ol class="steps" data-testid="rendered-steps">
            {steps.map((s, i) => (
              <li key={i}>
                {s.condition ? <span class="muted">If {s.condition}: </span> : null}{s.text}
                {s.tool ? <pre class="json">{s.tool.name}({JSON.stringify(s.tool.arguments)})</pre> : null}
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </form>
  );
}

function SkillPage({ id, params }: { id: string; params: URLSearchParams }) {
  const cube = params.get("cube_id") ?? undefined;
  const user = params.get("user_id") ?? undefined;
  const at = { cube_id: cube, user_id: user };
  const [load, reload] = useLoad(async () => {
    const c = client();
    const [skill, versions, md] = await Promise.all([
      c.GET("/v1/skills/{id}", { params: { path: { id }, query: at } }),
      c.GET("/v1/skills/{id}/versions", { params: { path: { id }, query: at } }),
      c.GET("/v1/skills/{id}/export", { params: { path: { id }, query: { ...at, format: "markdown" } }, parseAs: "text" }),
    ]);
    if (!skill.data) throw new Error("the skill answer was empty");
    return { skill: skill.data, versions: versions.data?.versions ?? [], markdown: typeof md.data === "string" ? md.data : "" };
  }, [id, cube, user]);
  const action = useAction();
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Page title={load.state === "ready" ? `Skill ${load.data.skill.name}` : "Skill"} ready={load.state !== "loading"} actions={<a href={href(["skills"], { cube_id: cube })}>All skills</a>}>
      <Loaded load={load} retry={reload} rows={14} render={({ skill, versions, markdown }) => (
        <>
          <dl class="facts">
            <dt>state</dt><dd data-testid="skill-state">{skill.state}</dd>
            <dt>reliability</dt><dd>{skill.reliability.score.toFixed(2)}: {skill.reliability.successes} successes, {skill.reliability.failures} failures; last used {when(skill.reliability.last_used_at)}</dd>
            <dt>origin</dt><dd>{skill.origin}{skill.hub ? ` (hub listing ${skill.hub.listing_id}, source v${skill.hub.source_version})` : ""}</dd>
            <dt>version</dt><dd>{skill.version}</dd>
            <dt>cube / user / agent</dt><dd>{skill.cube_id} / {skill.user_id ?? "—"} / {skill.agent_id ?? "—"}</dd>
            <dt>created / updated</dt><dd>{when(skill.created_at)} / {when(skill.updated_at)}</dd>
          </dl>
          <div class="actions-row" role="group" aria-label="Feedback">
            <span>Did a run of it work?</span>
            {(["success", "failure"] as const).map((outcome) => (
              <button key={outcome} type="button" disabled={action.busy} onClick={() => void action.run(async () => {
                const r = await client().POST("/v1/skills/{id}/feedback", { params: { path: { id }, query: { cube_id: skill.cube_id } }, body: { outcome } });
                setNotice(`Recorded a ${outcome}: reliability ${r.data?.reliability.score.toFixed(2) ?? "?"}, state ${r.data?.state ?? "?"}.`);
                reload();
              })}>{outcome === "success" ? "It worked" : "It failed"}</button>
            ))}
          </div>
          <Notice text={notice} />
          {action.error ? <ErrorState error={action.error} /> : null}
          <h2>Instantiate</h2>
          <InstantiateForm id={id} cube={skill.cube_id} parameters={skill.parameters} />
          <h2>SKILL.md</h2>
          <article class="skill-md" data-testid="skill-md" aria-label="SKILL.md">{markdown ? <Markdown text={markdown} /> : <p class="muted">The export was empty.</p>}</article>
          <h2>Versions</h2>
          <ol class="versions">
            {versions.map((v) => (
              <li key={v.version}><strong>v{v.version}</strong> {when(v.at)}: {v.reason}{v.source ? <span class="muted"> ({v.source})</span> : null}</li>
            ))}
          </ol>
        </>
      )} />
    </Page>
  );
}
