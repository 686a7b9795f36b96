// Watermarks on context blocks and exports (read back through whitespace changes, forgeries refused) and the NDJSON export of a scope.
import { describe, expect, it } from "vitest";
import { SELF, env, runInDurableObject } from "cloudflare:test";
import { api, BASE, newTenant, uniq, type Tenant } from "./helpers";
import { countTokens } from "../src/memory/retrieval/packing";
import { app } from "../src/app";

type Found = { watermarks: Array<{ tenant: string; key_id: string | null; request_digest: string | null; request_matches?: boolean; issued_at: string }>; unverified: number };

const tokenOf = (context: string): string => {
  const m = /watermark="(mw1[0-9a-z]+)"/.exec(context);
  if (!m) throw new Error(`no watermark in ${context.slice(0, 200)}`);
  return m[1] as string;
};

async function keyIdOf(t: Tenant): Promise<string> {
  const keys = await api<{ keys: Array<{ id: string }> }>(t, "GET", "/v1/keys");
  return (keys.body.keys[0] as { id: string }).id;
}

async function exportLines(t: Tenant, query: string): Promise<{ status: number; lines: Array<Record<string, unknown>>; type: string | null }> {
  const res = await SELF.fetch(`${BASE}/v1/export?${query}`, { headers: t.auth });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), lines: res.status === 200 ? text.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>) : [JSON.parse(text) as Record<string, unknown>] };
}

describe("watermarks", () => {
  it("marks a context block inside its budget and reads it back, naming the key and request, after whitespace changes", async () => {
    const t = await newTenant(["memories:read", "memories:write", "admin"]);
    const user = uniq("u");
    await api(t, "POST", "/v1/memories", { user_id: user, text: "Ann keeps her bike in the blue shed", infer: false });
    const requestId = uniq("req");
    const ctx = await api<{ context: string; tokens_used: number; budget: number }>(t, "POST", "/v1/context", { query: "bike", user_id: user, budget_tokens: 120 }, { "x-request-id": requestId });
    expect(ctx.status).toBe(200);
    const token = tokenOf(ctx.body.context);
    expect(ctx.body.tokens_used).toBeLessThanOrEqual(120);
    expect(ctx.body.context).toContain("blue shed");

    // Reflowed: every space a line break, the token itself broken by spaces and a newline.
    const mangled = ctx.body.context.replace(/ /g, "\n").replace(token, `${token.slice(0, 20)}  \n ${token.slice(20, 40)}\t${token.slice(40)}`);
    const found = await api<Found>(t, "POST", "/v1/watermark/verify", { text: mangled, request_id: requestId });
    expect(found.status).toBe(200);
    expect(found.body.unverified).toBe(0);
    expect(found.body.watermarks).toEqual([expect.objectContaining({ tenant: "yours", key_id: await keyIdOf(t), request_matches: true })]);
    const wrongRequest = await api<Found>(t, "POST", "/v1/watermark/verify", { text: mangled, request_id: "req_someone_else" });
    expect(wrongRequest.body.watermarks[0]?.request_matches).toBe(false);
  });

  it("counts the watermark's tokens in the budget, and gives no block rather than an unmarked one when the budget is too small", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await api(t, "POST", "/v1/memories", { user_id: user, text: "Ann keeps her bike in the blue shed", infer: false });
    const roomy = await api<{ tokens_used: number; context: string }>(t, "POST", "/v1/context", { query: "bike", user_id: user, budget_tokens: 400 });
    expect(roomy.body.tokens_used).toBe(countTokens(roomy.body.context));
    expect(roomy.body.context).toContain(`watermark="${tokenOf(roomy.body.context)}"`);
    const tiny = await api<{ tokens_used: number; included: string[]; context: string }>(t, "POST", "/v1/context", { query: "bike", user_id: user, budget_tokens: 10 });
    expect(tiny.body).toMatchObject({ context: "", tokens_used: 0, included: [] });
  });

  it("refuses a forged or altered watermark, and tells another tenant only that it is not theirs", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const user = uniq("u");
    await api(t, "POST", "/v1/memories", { user_id: user, text: "Ann keeps her bike in the blue shed", infer: false });
    const ctx = await api<{ context: string }>(t, "POST", "/v1/context", { query: "bike", user_id: user });
    const token = tokenOf(ctx.body.context);
    const last = token.at(-1) === "a" ? "b" : "a";
    const altered = await api<Found>(t, "POST", "/v1/watermark/verify", { text: token.slice(0, -1) + last });
    expect(altered.body).toEqual({ watermarks: [], unverified: 1 });
    const theirs = await api<Found>(other, "POST", "/v1/watermark/verify", { text: ctx.body.context });
    expect(theirs.body.watermarks).toEqual([expect.objectContaining({ tenant: "another", key_id: null, request_digest: null })]);
    expect((await api(t, "POST", "/v1/watermark/verify", { text: "" })).status).toBe(400);
    expect((await api<Found>(t, "POST", "/v1/watermark/verify", { text: "no marks here" })).body).toEqual({ watermarks: [], unverified: 0 });
  });
});

describe("export", () => {
  it("streams a user's memories with every version as NDJSON between a watermarked header and trailer, and audits it", async () => {
    const t = await newTenant(["memories:read", "memories:write", "export", "admin"]);
    const user = uniq("u");
    const added = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "Ann lives in Oslo", infer: false });
    const id = (added.body.memories[0] as { id: string }).id;
    await api(t, "PATCH", `/v1/memories/${id}`, { text: "Ann lives in Bergen" });
    const gone = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "a deleted memory", infer: false });
    await api(t, "DELETE", `/v1/memories/${(gone.body.memories[0] as { id: string }).id}`);

    const out = await exportLines(t, `user_id=${user}`);
    expect(out.status).toBe(200);
    expect(out.type).toContain("application/x-ndjson");
    const [head, ...rest] = out.lines;
    const end = rest.pop();
    expect(head).toMatchObject({ type: "export", cube_id: `user:${user}`, desensitized: false });
    expect(end).toMatchObject({ type: "end", memories: 1, watermark: head?.watermark });
    expect(rest).toHaveLength(1);
    const line = rest[0] as { memory: { id: string; text: string }; versions: Array<{ version: number; memory: { text: string } }> };
    expect(line.memory).toMatchObject({ id, text: "Ann lives in Bergen" });
    expect(line.versions.map((v) => v.memory.text)).toEqual(["Ann lives in Oslo", "Ann lives in Bergen"]);
    const found = await api<Found>(t, "POST", "/v1/watermark/verify", { text: JSON.stringify(out.lines) });
    expect(found.body.watermarks[0]).toMatchObject({ tenant: "yours", key_id: await keyIdOf(t) });

    const audited = await env.DB.prepare("SELECT key_id, action, target_ids FROM audit_entries WHERE tenant_id = ? AND action = 'export'").bind(t.id).all<{ target_ids: string }>();
    expect(audited.results.map((r) => JSON.parse(r.target_ids))).toEqual([[`user:${user}`]]);
    expect(JSON.stringify(audited.results)).not.toContain("Bergen");
  });

  it("exports masked text unless the key may read personal data", async () => {
    const t = await newTenant(["memories:read", "memories:write", "export", "admin"]);
    const user = uniq("u");
    await api(t, "POST", "/v1/memories", { user_id: user, text: "Write to ann.berg@example.com about the lease", infer: false });
    await api(t, "PUT", `/v1/cubes/user:${user}/privacy`, { mode: "mask" });
    await api(t, "POST", "/v1/memories", { user_id: user, text: "Ann's other address is ann.b@example.org", infer: false });
    const keyFor = async (scopes: string[]): Promise<Tenant> => {
      const k = await api<{ key: string }>(t, "POST", "/v1/keys", { name: uniq("k"), scopes });
      return { id: t.id, key: k.body.key, auth: { authorization: `Bearer ${k.body.key}` } };
    };
    const plain = await exportLines(await keyFor(["export", "memories:read"]), `user_id=${user}`);
    const texts = plain.lines.filter((l) => l.type === "memory").map((l) => (l.memory as { text: string }).text);
    expect(plain.lines[0]).toMatchObject({ desensitized: true });
    expect(texts.join(" ")).not.toContain("ann.b@example.org");
    expect(texts.join(" ")).toMatch(/\[EMAIL_\d+\]/);
    const clear = await exportLines(await keyFor(["export", "memories:read", "pii:read"]), `user_id=${user}`);
    expect(clear.lines[0]).toMatchObject({ desensitized: false });
    expect(clear.lines.filter((l) => l.type === "memory").map((l) => (l.memory as { text: string }).text).join(" ")).toContain("ann.b@example.org");
  });

  it("refuses an export without the export scope, of another tenant's user, or of a user out of a limited key's reach", async () => {
    const t = await newTenant(["memories:read", "memories:write", "admin"]);
    const other = await newTenant(["memories:read", "export"]);
    const user = uniq("u");
    await api(t, "POST", "/v1/memories", { user_id: user, text: "Ann lives in Oslo", infer: false });
    const reader = await api<{ key: string }>(t, "POST", "/v1/keys", { name: "reader", scopes: ["memories:read"] });
    expect((await exportLines({ id: t.id, key: reader.body.key, auth: { authorization: `Bearer ${reader.body.key}` } }, `user_id=${user}`)).status).toBe(403);
    expect((await exportLines(other, `user_id=${user}`)).status).toBe(404);
    const limited = await api<{ key: string }>(t, "POST", "/v1/keys", { name: "bob", scopes: ["export", "memories:read"], limits: { user_ids: ["bob"] } });
    expect((await exportLines({ id: t.id, key: limited.body.key, auth: { authorization: `Bearer ${limited.body.key}` } }, `user_id=${user}`)).status).toBe(404);
    const exporter = await api<{ key: string }>(t, "POST", "/v1/keys", { name: "exp", scopes: ["export"] });
    const e = { id: t.id, key: exporter.body.key, auth: { authorization: `Bearer ${exporter.body.key}` } };
    expect((await exportLines(e, "")).status).toBe(400);
    expect((await exportLines(e, "user_id=bad%20id")).status).toBe(400);
  });
});

describe("provenance signatures", () => {
  const stub = (tenant: string, cube: string) => env.CUBE.get(env.CUBE.idFromName(`${tenant}/${cube}`));

  it("signs every version and finds a version whose text, sources or signature were changed in storage", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const added = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "Ann lives in Oslo", infer: false });
    const id = (added.body.memories[0] as { id: string }).id;
    await api(t, "PATCH", `/v1/memories/${id}`, { text: "Ann lives in Bergen" });
    type Prov = { ok: boolean; versions: Array<{ version: number; signed: boolean; signature_valid: boolean; content_matches: boolean | null }> };
    const clean = await api<Prov>(t, "GET", `/v1/memories/${id}/provenance`);
    expect(clean.body.ok).toBe(true);
    expect(clean.body.versions.map((v) => [v.version, v.signed, v.signature_valid, v.content_matches])).toEqual([
      [1, true, true, true],
      [2, true, true, true],
    ]);

    const sql = (query: string, ...args: unknown[]) =>
      runInDurableObject(stub(t.id, `user:${user}`), (_o, state) => void state.storage.sql.exec(query, ...(args as SqlStorageValue[])));
    // The first version's text rewritten behind the service's back: its hash no longer matches.
    await sql("UPDATE memory_versions SET snapshot = json_set(snapshot, '$.text', 'Ann lives in Rome') WHERE memory_id = ? AND version = 1", id);
    // The second version's sources and signature forged.
    await sql("UPDATE memory_versions SET snapshot = json_set(snapshot, '$.source_message_ids', json('[\"msg_forged\"]')) WHERE memory_id = ? AND version = 2", id);
    const tampered = await api<Prov>(t, "GET", `/v1/memories/${id}/provenance`);
    expect(tampered.body.ok).toBe(false);
    expect(tampered.body.versions.map((v) => [v.version, v.signature_valid, v.content_matches])).toEqual([
      [1, true, false],
      [2, false, true],
    ]);
    await sql("UPDATE memory_versions SET signature = 'ab' || substr(signature, 3) WHERE memory_id = ? AND version = 1", id);
    expect((await api<Prov>(t, "GET", `/v1/memories/${id}/provenance`)).body.versions[0]?.signature_valid).toBe(false);
  });

  it("answers 404 for another tenant's memory", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const added = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", { user_id: uniq("u"), text: "Ann lives in Oslo", infer: false });
    expect((await api(other, "GET", `/v1/memories/${(added.body.memories[0] as { id: string }).id}/provenance`)).status).toBe(404);
  });
});

describe("watermarks across a master key rotation", () => {
  // Another valid master key (base64 of 32 bytes); the suite's own MASTER_KEY stands for the old one.
  const NEXT = "bmV4dC1tYXN0ZXIta2V5LTAxMjM0NTY3ODlhYmNkZWY=";

  async function verifyUnder(t: Tenant, over: Record<string, string>, text: string): Promise<Found> {
    const res = await app.request(`${BASE}/v1/watermark/verify`, { method: "POST", headers: { ...t.auth, "content-type": "application/json" }, body: JSON.stringify({ text }) }, { ...env, ...over });
    expect(res.status).toBe(200);
    return (await res.json()) as Found;
  }

  it("reads a mark made under the previous master key while MASTER_KEY_PREVIOUS is set, and not after", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await api(t, "POST", "/v1/memories", { user_id: user, text: "Ann keeps her bike in the blue shed", infer: false });
    const ctx = await api<{ context: string }>(t, "POST", "/v1/context", { query: "bike", user_id: user });
    const rotating = await verifyUnder(t, { MASTER_KEY: NEXT, MASTER_KEY_PREVIOUS: env.MASTER_KEY as string }, ctx.body.context);
    expect(rotating).toMatchObject({ unverified: 0, watermarks: [expect.objectContaining({ tenant: "yours" })] });
    const after = await verifyUnder(t, { MASTER_KEY: NEXT }, ctx.body.context);
    expect(after).toEqual({ watermarks: [], unverified: 1 });
  });
});
