// Add a memory: text stored as written (infer false), or messages extracted by a job (whose id is kept for the Jobs page).
import { useState } from "preact/hooks";
import { client } from "../api";
import { go, href } from "../router";
import { ErrorState, fields, list, Page, useAction } from "../ui";

type MemoryType = "fact" | "preference" | "event" | "plan" | "procedure" | "relationship" | "message" | "note";
const TYPES: MemoryType[] = ["fact", "preference", "event", "plan", "procedure", "relationship", "message", "note"];

export function AddMemory() {
  const action = useAction();
  const [extract, setExtract] = useState(false);
  return (
    <Page title="Add a memory" ready={true}>
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          const f = fields(e.currentTarget as HTMLFormElement);
          void action.run(async () => {
            const scope = { user_id: f.user_id, agent_id: f.agent_id, session_id: f.session_id, cube_id: f.cube_id };
            const text = f.text ?? "";
            const answer = extract
              ? await client().memories.add({ ...scope, messages: [{ role: "user", content: text }], infer: true })
              : await client().memories.add({ ...scope, text, infer: false, type: f.type as MemoryType | undefined, tags: list(f.tags), importance: f.importance ? Number(f.importance) : undefined });
            if (answer.job) {
              go(href(["jobs"], { id: answer.job.id }));
              return;
            }
            const first = answer.memories?.[0];
            go(first ? href(["memories", first.id], { cube_id: first.cube_id }) : href(["memories"]));
          });
        }}
      >
        <label>
          Text
          <textarea name="text" rows={4} required />
        </label>
        <fieldset>
          <legend>Scope (a user, or a named cube)</legend>
          <label>user_id <input name="user_id" /></label>
          <label>agent_id <input name="agent_id" /></label>
          <label>session_id <input name="session_id" /></label>
          <label>cube_id <input name="cube_id" /></label>
        </fieldset>
        <label class="check">
          <input type="checkbox" checked={extract} onChange={(e) => setExtract((e.currentTarget as HTMLInputElement).checked)} /> Extract memories from it as a message (a job)
        </label>
        {!extract ? (
          <fieldset>
            <legend>Stored as written</legend>
            <label>
              type
              <select name="type" defaultValue="fact">
                {TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
              </select>
            </label>
            <label>tags <input name="tags" placeholder="a,b" /></label>
            <label>importance <input name="importance" type="number" min="0" max="1" step="any" /></label>
          </fieldset>
        ) : null}
        <button type="submit" disabled={action.busy}>{action.busy ? "Saving…" : "Save"}</button>
      </form>
      {action.error ? <ErrorState error={action.error} /> : null}
    </Page>
  );
}
