// Grants: the cube grants this key can see (GET /v1/grants), and a cube's grants to give or revoke.
import { client } from "../api";
import { go, href } from "../router";
import { Empty, ErrorState, fields, Loaded, Page, useAction, useLoad, when } from "../ui";

export function Grants({ params }: { params: URLSearchParams }) {
  const cube = params.get("cube_id");
  const [load, reload] = useLoad(async () => {
    const c = client();
    if (cube) return (await c.GET("/v1/cubes/{id}/grants", { params: { path: { id: cube } } })).data?.grants ?? [];
    return (await c.GET("/v1/grants")).data?.grants ?? [];
  }, [cube]);
  const action = useAction();
  return (
    <Page title={cube ? `Grants of ${cube}` : "Grants"} ready={load.state !== "loading"}>
      <form class="filters" onSubmit={(e) => { e.preventDefault(); go(href(["grants"], fields(e.currentTarget as HTMLFormElement))); }}>
        <label>cube_id <input name="cube_id" defaultValue={cube ?? ""} /></label>
        <div class="filter-buttons"><button type="submit">Show</button> <a href={href(["grants"])}>All</a></div>
      </form>
      <Loaded load={load} retry={reload} render={(grants) => grants.length === 0 ? (
        <Empty title="No grants"><p>A grant lets another user, agent or cube read (or write) a cube. {cube ? "Give one below." : "Name a cube to give one."}</p></Empty>
      ) : (
        <table class="table">
          <thead><tr><th scope="col">Cube</th><th scope="col">Grantee</th><th scope="col">Permission</th><th scope="col">Created</th><th scope="col">State</th></tr></thead>
          <tbody>{grants.map((g) => (
            <tr key={g.id}>
              <td><a href={href(["grants"], { cube_id: g.cube_id })}>{g.cube_id}</a></td><td>{g.grantee.kind}:{g.grantee.id}</td><td>{g.permission}</td><td class="nowrap">{when(g.created_at)}</td>
              <td>{g.revoked_at ? `revoked ${when(g.revoked_at)}` : <button type="button" class="danger" disabled={action.busy} onClick={() => void action.run(async () => {
                await client().DELETE("/v1/cubes/{id}/grants/{grant_id}", { params: { path: { id: g.cube_id, grant_id: g.id } } });
                reload();
              })}>Revoke</button>}</td>
            </tr>
          ))}</tbody>
        </table>
      )} />
      {cube ? (
        <>
          <h2>Give a grant on {cube}</h2>
          <form class="form" onSubmit={(e) => {
            e.preventDefault();
            const f = fields(e.currentTarget as HTMLFormElement);
            void action.run(async () => {
              await client().POST("/v1/cubes/{id}/grants", { params: { path: { id: cube } }, body: { grantee: { kind: (f.kind ?? "user") as "user" | "agent" | "cube", id: f.grantee ?? "" }, permission: (f.permission ?? "read") as "read" | "write" } });
              reload();
            });
          }}>
            <label>Grantee kind <select name="kind"><option>user</option><option>agent</option><option>cube</option></select></label>
            <label>Grantee id <input name="grantee" required /></label>
            <label>Permission <select name="permission"><option>read</option><option>write</option></select></label>
            <button type="submit" disabled={action.busy}>Grant</button>
          </form>
        </>
      ) : null}
      {action.error ? <ErrorState error={action.error} /> : null}
    </Page>
  );
}
