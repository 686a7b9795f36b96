// Every write route of the OpenAPI document honours Idempotency-Key: a retry gets the first answer
// and changes nothing; the same key with another request is a 409.
import { describe, expect, it } from "vitest";
import { ADMIN, api, newTenant, uniq, type Tenant } from "./helpers";

interface Operation {
  "x-required-scope"?: string;
  security?: Array<Record<string, unknown>>;
}
type Doc = { paths: Record<string, Record<string, Operation>> };
interface Call {
  path: string;
  body?: unknown;
  /** Another request under the same key, which must be refused. */
  other?: unknown;
  admin?: boolean;
}

/** Fields that legitimately differ between two answers of the same write. */
function comparable(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(comparable);
  if (typeof body !== "object" || body === null) return body;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (k !== "timings_ms" && k !== "request_id") out[k] = comparable(v);
  return out;
}

// A loopback port nothing listens on: webhook deliveries of the samples fail at once and go nowhere.
const HOOK_URL = "http://127.0.0.1:9/hook";
const TEXT = "Alice lives in Lyon. She prefers tea over coffee. ".repeat(4);

const SKILL_DRAFT = { name: "rotate-api-key", description: "Rotate an API key.", steps: [{ text: "Create a new key" }, { text: "Revoke the old key" }] };
const SKILL_MD = "---\nname: back-up-database\ndescription: Back up the database before a migration.\n---\n\n## Steps\n\n1. Back up the database\n2. Check the backup opens\n";

/** A valid request for each write route, made against fresh objects of `t` so that each runs once. */
async function callFor(route: string, t: Tenant): Promise<Call> {
  const user = uniq("u");
  const mem = async (text: string) => {
    const r = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text, infer: false });
    return (r.body.memories[0] as { id: string }).id;
  };
  const webhook = async () => (await api<{ id: string }>(t, "POST", "/v1/webhooks", { url: HOOK_URL })).body.id;
  const gpuCube = async () => {
    const id = uniq("gpu");
    await api(t, "POST", "/v1/cubes", { id, name: "GPU memory" });
    return id;
  };
  switch (route) {
    case "POST /v1/cubes/{id}/grants": {
      await mem("a cube to share");
      return { path: `/v1/cubes/user:${user}/grants`, body: { grantee: { kind: "user", id: "bob" }, permission: "read" }, other: { grantee: { kind: "user", id: "bob" }, permission: "write" } };
    }
    case "DELETE /v1/cubes/{id}/grants/{grant_id}": {
      await mem("a cube to share once");
      const g = await api<{ id: string }>(t, "POST", `/v1/cubes/user:${user}/grants`, { grantee: { kind: "agent", id: "helper" }, permission: "read" });
      return { path: `/v1/cubes/user:${user}/grants/${g.body.id}` };
    }
    case "POST /v1/memories":
      return { path: "/v1/memories", body: { user_id: user, text: "Bea plays the cello", infer: false }, other: { user_id: user, text: "Bea plays the drums", infer: false } };
    case "DELETE /v1/memories":
      await mem("scope to delete");
      return { path: `/v1/memories?user_id=${user}` };
    case "PATCH /v1/memories/{id}": {
      const id = await mem("Ann lives in Oslo");
      return { path: `/v1/memories/${id}`, body: { text: "Ann lives in Bergen" }, other: { text: "Ann lives in Tromsø" } };
    }
    case "DELETE /v1/memories/{id}":
      return { path: `/v1/memories/${await mem("delete me once")}` };
    case "POST /v1/memories/{id}/archive":
      return { path: `/v1/memories/${await mem("archive me once")}/archive`, body: {} };
    case "POST /v1/memories/{id}/restore": {
      const id = await mem("restore me once");
      await api(t, "POST", `/v1/memories/${id}/archive`, {});
      return { path: `/v1/memories/${id}/restore`, body: {} };
    }
    case "PUT /v1/cubes/{id}/lifecycle":
      await mem("a cube with a policy");
      return { path: `/v1/cubes/user:${user}/lifecycle`, body: { archive_after_days: 30 }, other: { archive_after_days: 60 } };
    case "POST /v1/cubes/{id}/scheduler/run":
      await mem("a cube to wake");
      return { path: `/v1/cubes/user:${user}/scheduler/run?wait=true`, other: {} };
    case "PUT /v1/cubes/{id}/privacy":
      await mem("a cube with a privacy mode");
      return { path: `/v1/cubes/user:${user}/privacy`, body: { mode: "redact" }, other: { mode: "off" } };
    case "POST /v1/feedback": {
      const id = await mem("Ann lives in Oslo");
      return { path: "/v1/feedback", body: { memory_id: id, correction: "Actually Ann lives in Paris now" }, other: { memory_id: id, correction: "Actually Ann lives in Rome now" } };
    }
    case "POST /v1/cubes":
      return { path: "/v1/cubes", body: { name: "team" }, other: { name: "another team" } };
    case "DELETE /v1/cubes/{id}": {
      await mem("a cube to delete");
      return { path: `/v1/cubes/user:${user}` };
    }
    case "POST /v1/keys":
      return { path: "/v1/keys", body: { name: "reader", scopes: ["memories:read"] }, other: { name: "writer", scopes: ["memories:write"] } };
    case "DELETE /v1/keys/{id}": {
      const k = await api<{ id: string }>(t, "POST", "/v1/keys", { name: "to revoke", scopes: ["memories:read"] });
      return { path: `/v1/keys/${k.body.id}` };
    }
    case "POST /v1/admin/tenants":
      return { path: "/v1/admin/tenants", body: { name: uniq("tenant") }, other: { name: uniq("tenant") }, admin: true };
    case "DELETE /v1/admin/tenants/{id}": {
      // A tenant of its own (never `t`): with nothing in it, one call deletes it; the retry replays that answer.
      const doomed = await api<{ id: string }>(null, "POST", "/v1/admin/tenants", { name: uniq("doomed") }, { authorization: ADMIN });
      return { path: `/v1/admin/tenants/${doomed.body.id}?limit=5`, admin: true };
    }
    case "POST /v1/admin/tenants/{id}/data-keys/rotate":
      return { path: `/v1/admin/tenants/${t.id}/data-keys/rotate`, other: {}, admin: true };
    case "POST /v1/admin/tenants/{id}/data-keys/rewrap":
      return { path: `/v1/admin/tenants/${t.id}/data-keys/rewrap`, other: {}, admin: true };
    case "POST /v1/admin/tenants/{id}/keys":
      return { path: `/v1/admin/tenants/${t.id}/keys`, body: { name: "server", scopes: ["memories:read"] }, other: { name: "other", scopes: ["memories:read"] }, admin: true };
    case "POST /v1/cubes/{id}/activation":
      return { path: `/v1/cubes/${await gpuCube()}/activation`, body: { text: TEXT }, other: { text: `${TEXT} More.` } };
    case "POST /v1/cubes/{id}/activation/{blockId}/refresh":
    case "DELETE /v1/cubes/{id}/activation/{blockId}": {
      const cube = await gpuCube();
      const b = await api<{ block: { id: string } }>(t, "POST", `/v1/cubes/${cube}/activation`, { text: TEXT });
      const base = `/v1/cubes/${cube}/activation/${b.body.block.id}`;
      return route.startsWith("DELETE") ? { path: base } : { path: `${base}/refresh`, body: {}, other: { pinned: false } };
    }
    case "POST /v1/cubes/{id}/adapters":
      return { path: `/v1/cubes/${await gpuCube()}/adapters`, body: { name: "style", base_model: "llama-3-8b", source: "/adapters/a" }, other: { name: "style2", base_model: "llama-3-8b", source: "/adapters/b" } };
    case "POST /v1/cubes/{id}/adapters/train":
      return {
        path: `/v1/cubes/${await gpuCube()}/adapters/train`,
        body: { adapter_name: "trained", base_model: "llama-3-8b", dataset: { texts: ["Alice likes tea."] } },
        other: { adapter_name: "trained2", base_model: "llama-3-8b", dataset: { texts: ["Alice likes tea."] } },
      };
    case "DELETE /v1/cubes/{id}/adapters/{name}": {
      const cube = await gpuCube();
      await api(t, "POST", `/v1/cubes/${cube}/adapters`, { name: "style", base_model: "llama-3-8b", source: "/adapters/a" });
      return { path: `/v1/cubes/${cube}/adapters/style` };
    }
    case "POST /v1/cubes/{id}/adapters/{name}/load":
    case "POST /v1/cubes/{id}/adapters/{name}/unload": {
      const cube = await gpuCube();
      await api(t, "POST", `/v1/cubes/${cube}/adapters`, { name: "style", base_model: "llama-3-8b", source: "/adapters/a" });
      if (route.endsWith("unload")) await api(t, "POST", `/v1/cubes/${cube}/adapters/style/load`, {});
      return { path: `/v1/cubes/${cube}/adapters/style/${route.endsWith("unload") ? "unload" : "load"}`, body: {}, other: { node: "elsewhere" } };
    }
    case "POST /v1/webhooks":
      return { path: "/v1/webhooks", body: { url: HOOK_URL, events: ["memory.created"] }, other: { url: HOOK_URL, events: ["memory.deleted"] } };
    case "PATCH /v1/webhooks/{id}":
      return { path: `/v1/webhooks/${await webhook()}`, body: { enabled: false }, other: { enabled: true } };
    case "DELETE /v1/webhooks/{id}":
      return { path: `/v1/webhooks/${await webhook()}` };
    case "POST /v1/webhooks/{id}/rotate-secret":
      return { path: `/v1/webhooks/${await webhook()}/rotate-secret`, other: {} };
    case "POST /v1/webhooks/{id}/test":
      return { path: `/v1/webhooks/${await webhook()}/test`, other: {} };
    case "POST /v1/audit/verify":
      // Read-only, but its answer grows with the log: a retry replays the first.
      return { path: "/v1/audit/verify", body: { chain: "tenant" }, other: {} };
    case "POST /v1/groups":
      return { path: "/v1/groups", body: { name: uniq("team") }, other: { name: uniq("team") } };
    case "DELETE /v1/groups/{id}":
    case "POST /v1/groups/{id}/members":
    case "DELETE /v1/groups/{id}/members": {
      const g = await api<{ id: string }>(t, "POST", "/v1/groups", { name: uniq("team") });
      if (route.startsWith("DELETE /v1/groups/{id}/members")) {
        await api(t, "POST", `/v1/groups/${g.body.id}/members`, { members: [{ kind: "user", id: user }] });
        return { path: `/v1/groups/${g.body.id}/members`, body: { members: [{ kind: "user", id: user }] } };
      }
      if (route.startsWith("POST")) return { path: `/v1/groups/${g.body.id}/members`, body: { members: [{ kind: "user", id: user }] }, other: { members: [{ kind: "agent", id: user }] } };
      return { path: `/v1/groups/${g.body.id}` };
    }
    case "POST /v1/hub/listings": {
      const id = await mem("Deploys go out on Tuesdays");
      const body = { kind: "memory", cube_id: `user:${user}`, id, visibility: { tenant: true } };
      return { path: "/v1/hub/listings", body, other: { ...body, note: "another request" } };
    }
    case "POST /v1/hub/listings/{id}/approve":
    case "POST /v1/hub/listings/{id}/reject":
    case "DELETE /v1/hub/listings/{id}":
    case "POST /v1/hub/listings/{id}/install": {
      const id = await mem("Standups start at nine");
      const l = await api<{ id: string }>(t, "POST", "/v1/hub/listings", { kind: "memory", cube_id: `user:${user}`, id, visibility: { tenant: true } });
      const base = `/v1/hub/listings/${l.body.id}`;
      if (route.startsWith("DELETE")) return { path: base };
      if (route.endsWith("/approve")) return { path: `${base}/approve`, body: {} };
      if (route.endsWith("/reject")) return { path: `${base}/reject`, body: { reason: "a duplicate" }, other: { reason: "off topic" } };
      await api(t, "POST", `${base}/approve`, {});
      return { path: `${base}/install`, body: { user_id: uniq("installer") }, other: { user_id: uniq("installer") } };
    }
    case "POST /v1/skills":
      return { path: "/v1/skills", body: { user_id: user, skill: SKILL_DRAFT }, other: { user_id: user, skill: { ...SKILL_DRAFT, name: "rotate-other-key" } } };
    case "POST /v1/skills/import":
      return { path: "/v1/skills/import", body: { user_id: user, text: SKILL_MD }, other: { user_id: user, text: SKILL_MD.replace("Back up", "Copy") } };
    case "PATCH /v1/skills/{id}":
    case "DELETE /v1/skills/{id}":
    case "POST /v1/skills/{id}/feedback": {
      const s = await api<{ skill: { id: string } }>(t, "POST", "/v1/skills", { user_id: user, skill: SKILL_DRAFT });
      const path = `/v1/skills/${s.body.skill.id}`;
      if (route.startsWith("PATCH")) return { path, body: { description: "Rotate a key, carefully.", expected_version: 1 }, other: { description: "Rotate a key, quickly." } };
      if (route.startsWith("DELETE")) return { path };
      return { path: `${path}/feedback`, body: { outcome: "success" }, other: { outcome: "failure" } };
    }
    case "PATCH /v1/cubes/{id}/scheduler/consolidation":
      await mem("a cube with consolidation settings");
      return { path: `/v1/cubes/user:${user}/scheduler/consolidation`, body: { idle_ms: 60_000 }, other: { idle_ms: 120_000 } };
    case "PATCH /v1/cubes/{id}/scheduler/parameter-memory":
      await mem("a cube with parameter-memory settings");
      return { path: `/v1/cubes/user:${user}/scheduler/parameter-memory`, body: { min_examples: 4 }, other: { min_examples: 5 } };
    case "PATCH /v1/cubes/{id}/scheduler/activation":
      await mem("a cube with activation settings");
      return { path: `/v1/cubes/user:${user}/scheduler/activation`, body: { half_life_ms: 3_600_000 }, other: { half_life_ms: 7_200_000 } };
    case "POST /v1/chat": {
      await mem("Ann lives in Lyon");
      const ask = (content: string) => ({ user_id: user, messages: [{ role: "user", content }], infer: false });
      return { path: "/v1/chat", body: ask("Where does Ann live?"), other: ask("What does Ann play?") };
    }
    default:
      throw new Error(`no idempotency sample for write route ${route}: add one here`);
  }
}

async function send(t: Tenant, call: Call, method: string, key: string, body: unknown) {
  return api<Record<string, unknown>>(call.admin ? null : t, method, call.path, body, { "idempotency-key": key, ...(call.admin ? { authorization: ADMIN } : {}) });
}

describe("Idempotency-Key on every write route", () => {
  it("replays the first answer of each write route of the document and refuses the key for another request", async () => {
    const t = await newTenant(["memories:read", "memories:write", "admin"]);
    const doc = (await api<Doc>(t, "GET", "/v1/openapi.json")).body;
    const writes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method, op]) => method !== "get" && op["x-required-scope"] !== "memories:read")
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(writes.length).toBeGreaterThanOrEqual(15);
    for (const route of writes) {
      const method = route.split(" ")[0] as string;
      const call = await callFor(route, t);
      const key = uniq("idem");
      const first = await send(t, call, method, key, call.body);
      expect(first.status, `${route} first`).toBeGreaterThanOrEqual(200);
      expect(first.status, `${route} first: ${JSON.stringify(first.body)}`).toBeLessThan(300);
      const retry = await send(t, call, method, key, call.body);
      expect(retry.status, `${route} retry`).toBe(first.status);
      // Secrets are shown once: a replay answers them as null (API keys, webhook signing secrets).
      const expected = route.endsWith("/keys") ? { ...first.body, key: null } : "secret" in first.body ? { ...first.body, secret: null } : first.body;
      expect(comparable(retry.body), `${route} retry body`).toEqual(comparable(expected));
      if (call.other !== undefined) {
        const other = await send(t, call, method, key, call.other);
        expect(other.status, `${route} other request`).toBe(409);
      }
    }
    // One request after another over every write route: more than the default 5 s on a busy machine.
  }, 60_000);

  it("stores one memory, one cube and one key for three identical writes", async () => {
    const t = await newTenant(["memories:read", "memories:write", "admin"]);
    const user = uniq("u");
    const added = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "Ann lives in Oslo", infer: false });
    const id = (added.body.memories[0] as { id: string }).id;
    for (let i = 0; i < 3; i++) await api(t, "POST", "/v1/feedback", { memory_id: id, correction: "Ann also keeps bees" }, { "idempotency-key": "fb-1" });
    for (let i = 0; i < 3; i++) await api(t, "POST", "/v1/cubes", { name: "team" }, { "idempotency-key": "cube-1" });
    for (let i = 0; i < 3; i++) await api(t, "POST", "/v1/keys", { name: "k", scopes: ["memories:read"] }, { "idempotency-key": "key-1" });
    const mems = await api<{ memories: unknown[] }>(t, "GET", `/v1/memories?user_id=${user}`);
    expect(mems.body.memories).toHaveLength(2);
    const cubes = await api<{ cubes: Array<{ name: string | null }> }>(t, "GET", "/v1/cubes");
    expect(cubes.body.cubes.filter((c) => c.name === "team")).toHaveLength(1);
    const keys = await api<{ keys: Array<{ name: string }> }>(t, "GET", "/v1/keys");
    expect(keys.body.keys.filter((k) => k.name === "k")).toHaveLength(1);
  });
});
