// Encryption at rest: raw messages and vault values sealed with per-tenant data keys; rotation, master rewrap, isolation, fail closed.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../src/app";
import { ADMIN, BASE, api, newTenant, uniq, type Tenant } from "./helpers";
import { probeStub } from "./fixtures/cube-probe";
import { decrypt, importMasterKey } from "../src/governance/envelope";
import { dataKeyVersion, forgetDataKeys } from "../src/services/data-keys";
import { fieldAad } from "../durable-objects/cube/encryption";
import { sha256Hex } from "../src/governance/crypto";
import type { CubeResult } from "../src/memory/cube-contract";
import type { JobInput } from "../durable-objects/cube";

interface MessageRow extends Record<string, SqlStorageValue> {
  job_id: string;
  role: string;
  name: string | null;
  content: string;
  content_hash: string;
}
interface JobOut {
  job: { id: string };
  replayed?: number;
  memories?: Array<{ id: string; text: string }>;
}

const stubOf = (tenant: string, user: string) => probeStub(`${tenant}/user:${user}`);
const identity = (tenant: string, user: string) => ({ tenant_id: tenant, cube_id: `user:${user}` });
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

async function messageRows(tenant: string, user: string): Promise<MessageRow[]> {
  return runInDurableObject(stubOf(tenant, user), (_o, state) =>
    state.storage.sql.exec<MessageRow>("SELECT job_id, role, name, content, content_hash FROM messages ORDER BY seq").toArray(),
  );
}

async function dataKeyRows(tenant: string) {
  const r = await env.DB.prepare("SELECT version, wrapped, master_key_id, retired_at FROM data_keys WHERE tenant_id = ? ORDER BY version").bind(tenant).all<{
    version: number;
    wrapped: string;
    master_key_id: string;
    retired_at: number | null;
  }>();
  return r.results;
}

async function sendMessages(t: Tenant, user: string, content: string, name: string | null = "Zed") {
  const r = await api<JobOut>(t, "POST", "/v1/memories", { user_id: user, messages: [{ role: "user", content, ...(name ? { name } : {}) }], infer: true, mode: "fast", sync: true });
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return r;
}

/** The cube's startJob, typed as it answers (the RPC stub's type of it does not resolve). */
async function startJob(tenant: string, user: string, jobId: string): Promise<CubeResult<JobInput>> {
  return (await stubOf(tenant, user).startJob(identity(tenant, user), jobId)) as unknown as CubeResult<JobInput>;
}

/** The job's messages as the extraction consumer gets them (startJob leaves a succeeded job as it is). */
async function jobMessages(tenant: string, user: string, jobId: string): Promise<string[]> {
  const r = await startJob(tenant, user, jobId);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value.messages.map((m) => m.content);
}

async function admin(method: string, path: string, over: Record<string, string> = {}) {
  const res = await app.request(`${BASE}${path}`, { method, headers: { authorization: ADMIN } }, { ...env, ...over });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

describe("encryption at rest: raw messages", () => {
  it("stores content and speaker name sealed, and extraction still makes memories from them", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const content = "I keep my bicycle in the red garage on Quay Street.";
    const r = await sendMessages(t, user, content, "Zebulon");
    expect(r.status).toBe(201);
    expect((r.body.memories ?? []).map((m) => m.text).join(" ")).toMatch(/bicycle/i);

    const rows = await messageRows(t.id, user);
    expect(rows).toHaveLength(1);
    const row = rows[0] as MessageRow;
    expect(row.content).toMatch(/^enc:v1:1:/);
    expect(row.name).toMatch(/^enc:v1:1:/);
    expect(row.content).not.toMatch(/bicycle|garage/i);
    expect(row.name).not.toContain("Zebulon");
    // The replay hash is keyed: not the plain SHA-256 anyone could compute from a guessed message.
    expect(row.content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.content_hash).not.toBe(await sha256Hex(["user", "Zebulon", user, "", "", content].join("\u0000")));
    // What the consumer reads is the message as sent.
    expect(await jobMessages(t.id, user, r.body.job.id)).toEqual([content]);
  });

  it("stores an assistant message's tool calls sealed under the tenant's data key, bound to their column", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const args = JSON.stringify({ order_id: "ORD-QUOKKA-77", reason: "parcel crushed in transit" });
    const r = await api<JobOut>(t, "POST", "/v1/memories", {
      user_id: user,
      infer: true,
      mode: "fast",
      sync: true,
      messages: [
        { role: "user", content: "Please refund my order, the parcel was crushed." },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "issue_refund", arguments: args } }] },
        { role: "tool", tool_call_id: "c1", content: "refund issued" },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const stored = await runInDurableObject(stubOf(t.id, user), (_o, state) =>
      state.storage.sql.exec<{ tool_calls: string | null; tool_call_id: string | null }>("SELECT tool_calls, tool_call_id FROM messages ORDER BY seq").toArray(),
    );
    const sealed = stored.map((m) => m.tool_calls).filter((c): c is string => c !== null);
    expect(sealed).toHaveLength(1);
    expect(sealed[0]).toMatch(/^enc:v1:1:/);
    expect(sealed[0]).not.toMatch(/QUOKKA|crushed|issue_refund/);
    expect(stored.map((m) => m.tool_call_id)).toContain("c1");
    const key = await dataKeyVersion(env, t.id, 1);
    const opened = JSON.parse(await decrypt(key, sealed[0] as string, fieldAad(identity(t.id, user), "messages.tool_calls"))) as Array<{ name: string; arguments: string }>;
    expect(opened).toEqual([expect.objectContaining({ name: "issue_refund", arguments: args })]);
  });

  it("still recognizes a replayed message, and one stored with a plain hash before encryption", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const content = "Our team standup moved to nine thirty on Mondays.";
    const first = await sendMessages(t, user, content, null);
    const again = await sendMessages(t, user, content, null);
    expect(again.status).toBe(200);
    expect(again.body.replayed).toBe(1);
    expect(again.body.job.id).toBe(first.body.job.id);

    // A row as written before encryption at rest: plaintext content, SHA-256 replay hash.
    const legacy = "The office plants get watered every Thursday afternoon.";
    const hash = await sha256Hex(["user", "", user, "", "", legacy].join("\u0000"));
    await runInDurableObject(stubOf(t.id, user), (_o, state) => {
      state.storage.sql.exec(
        "INSERT INTO messages (id, job_id, role, name, content, content_hash, timestamp, user_id, agent_id, session_id, created_at) VALUES (?, ?, 'user', NULL, ?, ?, ?, ?, NULL, NULL, ?)",
        `msg_legacy_${uniq("x")}`,
        first.body.job.id,
        legacy,
        hash,
        Date.now(),
        user,
        Date.now(),
      );
    });
    const replayOfLegacy = await sendMessages(t, user, legacy, null);
    expect(replayOfLegacy.body.replayed).toBe(1);
    // And the old plaintext row still reads.
    expect(await jobMessages(t.id, user, first.body.job.id)).toEqual([content, legacy]);
  });
});

describe("encryption at rest: PII vault", () => {
  it("seals vault values and indexes them by keyed hash; reveal opens them", async () => {
    const t = await newTenant(["memories:read", "memories:write", "admin"]);
    const user = uniq("u");
    const added = await api<{ memories: Array<{ id: string; text: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "Write to nora.quist@example.org", infer: false });
    expect(added.status).toBe(201);
    const m = added.body.memories[0] as { id: string; text: string };
    expect(m.text).toBe("Write to [EMAIL_1]");
    const vault = await runInDurableObject(stubOf(t.id, user), (_o, state) => state.storage.sql.exec<{ key: string; value: string }>("SELECT key, value FROM pii_vault").toArray());
    expect(vault).toHaveLength(1);
    expect(vault[0]?.value).toMatch(/^enc:v1:1:/);
    expect(JSON.stringify(vault)).not.toMatch(/nora|quist|example\.org/i);
    // The same value again finds its placeholder through the keyed index.
    const second = await api<{ memories: Array<{ text: string }> }>(t, "POST", "/v1/memories", { user_id: user, text: "NORA.QUIST@example.org again", infer: false });
    expect(second.body.memories[0]?.text).toBe("[EMAIL_1] again");
    const shown = await api<{ text: string }>(t, "GET", `/v1/memories/${m.id}/reveal`);
    expect(shown.status).toBe(200);
    expect(shown.body.text).toBe("Write to nora.quist@example.org");
  });
});

describe("encryption at rest: data key rotation", () => {
  it("seals new writes with the new version and keeps old messages readable", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const before = await sendMessages(t, user, "My sister Ilse lives in Bergen near the fish market.");
    const rotated = await admin("POST", `/v1/admin/tenants/${t.id}/data-keys/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ version: 2, previous_version: 1 });
    // As when the cube's cached current version expires.
    await stubOf(t.id, user).forgetDataKeys();
    const after = await sendMessages(t, user, "My brother Odd moved to Tromso last winter.");

    const rows = await messageRows(t.id, user);
    expect(rows.map((r) => r.content.split(":")[2])).toEqual(["1", "2"]);
    expect(await jobMessages(t.id, user, before.body.job.id)).toEqual(["My sister Ilse lives in Bergen near the fish market."]);
    expect(await jobMessages(t.id, user, after.body.job.id)).toEqual(["My brother Odd moved to Tromso last winter."]);
    // Placeholders and replay hashes do not depend on the version: a replay across the rotation is recognized.
    const replay = await sendMessages(t, user, "My sister Ilse lives in Bergen near the fish market.");
    expect(replay.body.replayed).toBe(1);

    const listed = await admin("GET", `/v1/admin/tenants/${t.id}/data-keys`);
    expect(listed.status).toBe(200);
    const keys = listed.body.keys as Array<{ version: number; current: boolean; retired_at: string | null }>;
    expect(keys.map((k) => [k.version, k.current, k.retired_at === null])).toEqual([
      [2, true, true],
      [1, false, false],
    ]);
    expect(JSON.stringify(listed.body)).not.toContain("kw:v1:");
  });
});

describe("encryption at rest: master key rotation", () => {
  it("rewraps the data keys only: new blobs under the new master key, the same ciphertexts, everything readable", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const content = "The spare key is under the blue flower pot.";
    await sendMessages(t, user, content);
    await admin("POST", `/v1/admin/tenants/${t.id}/data-keys/rotate`);
    const keysBefore = await dataKeyRows(t.id);
    const rowsBefore = await messageRows(t.id, user);
    const oldMaster = env.MASTER_KEY as string;
    const newMaster = b64(crypto.getRandomValues(new Uint8Array(32)));
    const rotatedEnv = { MASTER_KEY: newMaster, MASTER_KEY_PREVIOUS: oldMaster };

    const rewrapped = await admin("POST", `/v1/admin/tenants/${t.id}/data-keys/rewrap`, rotatedEnv);
    expect(rewrapped.status, JSON.stringify(rewrapped.body)).toBe(200);
    const newId = (await importMasterKey(newMaster)).id;
    expect(rewrapped.body).toEqual({ master_key_id: newId, rewrapped: 2, unchanged: 0 });
    const keysAfter = await dataKeyRows(t.id);
    expect(keysAfter.map((k) => k.master_key_id)).toEqual([newId, newId]);
    keysAfter.forEach((k, i) => expect(k.wrapped).not.toBe(keysBefore[i]?.wrapped));
    expect(keysAfter.map((k) => [k.version, k.retired_at])).toEqual(keysBefore.map((k) => [k.version, k.retired_at]));
    expect(await messageRows(t.id, user)).toEqual(rowsBefore);
    // Again: nothing left to rewrap.
    expect((await admin("POST", `/v1/admin/tenants/${t.id}/data-keys/rewrap`, rotatedEnv)).body).toMatchObject({ rewrapped: 0, unchanged: 2 });

    // Under the new master key alone, the stored message opens; under the old one alone, the key does not unwrap.
    forgetDataKeys(t.id);
    const key = await dataKeyVersion({ ...env, MASTER_KEY: newMaster, MASTER_KEY_PREVIOUS: "" }, t.id, 1);
    expect(await decrypt(key, (rowsBefore[0] as MessageRow).content, fieldAad(identity(t.id, user), "messages.content"))).toBe(content);
    forgetDataKeys(t.id);
    await expect(dataKeyVersion(env, t.id, 1)).rejects.toThrow(/neither MASTER_KEY nor MASTER_KEY_PREVIOUS/);
    forgetDataKeys(t.id);

    // Back under the configured master key, so that the cube (which sees the real env) reads again.
    const back = await admin("POST", `/v1/admin/tenants/${t.id}/data-keys/rewrap`, { MASTER_KEY: oldMaster, MASTER_KEY_PREVIOUS: newMaster });
    expect(back.body).toMatchObject({ rewrapped: 2 });
    await stubOf(t.id, user).forgetDataKeys();
    const rows = await messageRows(t.id, user);
    expect(await jobMessages(t.id, user, rows[0]?.job_id as string)).toEqual([content]);
  });

  it("answers 503 when a data key is wrapped by a master key that is not configured, and 404 for an unknown tenant", async () => {
    const t = await newTenant();
    await sendMessages(t, uniq("u"), "Lunch with the design team is on Fridays at noon.");
    const stranger = { MASTER_KEY: b64(crypto.getRandomValues(new Uint8Array(32))), MASTER_KEY_PREVIOUS: "" };
    const r = await admin("POST", `/v1/admin/tenants/${t.id}/data-keys/rewrap`, stranger);
    expect(r.status).toBe(503);
    expect(r.body.error?.code).toBe("upstream_unavailable");
    const before = await dataKeyRows(t.id);
    expect(before.map((k) => k.master_key_id)).toEqual([(await importMasterKey(env.MASTER_KEY as string)).id]);
    for (const path of ["/data-keys", "/data-keys/rotate", "/data-keys/rewrap"]) {
      const method = path === "/data-keys" ? "GET" : "POST";
      expect((await admin(method, `/v1/admin/tenants/tnt_nobody_${uniq("x").replace(/-/g, "")}${path}`)).status).toBe(404);
    }
    const noToken = await app.request(`${BASE}/v1/admin/tenants/${t.id}/data-keys/rotate`, { method: "POST", headers: { authorization: "Bearer wrong" } }, env);
    expect(noToken.status).toBe(401);
    expect(await dataKeyRows(t.id)).toEqual(before);
  });
});

describe("encryption at rest: isolation", () => {
  it("a tenant's ciphertext does not open with another tenant's key, nor in another cube", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const user = uniq("u");
    await sendMessages(a, user, "Tenant A's quarterly numbers are confidential.");
    await sendMessages(b, user, "Tenant B has its own notes.");
    const sealed = (await messageRows(a.id, user))[0]?.content as string;
    const aad = fieldAad(identity(a.id, user), "messages.content");
    const keyA = await dataKeyVersion(env, a.id, 1);
    const keyB = await dataKeyVersion(env, b.id, 1);
    expect(await decrypt(keyA, sealed, aad)).toBe("Tenant A's quarterly numbers are confidential.");
    await expect(decrypt(keyB, sealed, aad)).rejects.toThrow(/does not open/);
    await expect(decrypt(keyA, sealed, fieldAad(identity(b.id, user), "messages.content"))).rejects.toThrow(/does not open/);
    await expect(decrypt(keyA, sealed, fieldAad(identity(a.id, "other"), "messages.content"))).rejects.toThrow(/does not open/);

    // A row copied into tenant B's cube is refused there, not read with B's key.
    const jobB = (await messageRows(b.id, user))[0]?.job_id as string;
    await runInDurableObject(stubOf(b.id, user), (_o, state) => state.storage.sql.exec("UPDATE messages SET content = ? WHERE job_id = ?", sealed, jobB));
    const r = await startJob(b.id, user, jobB);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toEqual({ code: "internal", message: "a stored value does not decrypt" });
  });
});

describe("encryption at rest: fail closed", () => {
  const call = (over: Record<string, string>, method: string, path: string, t?: Tenant, body?: unknown) =>
    app.request(
      `${BASE}${path}`,
      { method, headers: { ...(t?.auth ?? {}), ...(body === undefined ? {} : { "content-type": "application/json" }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) },
      { ...env, ...over },
    );

  it("outside development, without MASTER_KEY every request but /healthz answers 503 and nothing is stored", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const prod = { ENVIRONMENT: "production", MASTER_KEY: "" };
    const add = await call(prod, "POST", "/v1/memories", t, { user_id: user, messages: [{ role: "user", content: "I like green tea in the morning." }] });
    expect(add.status).toBe(503);
    const body = (await add.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("upstream_unavailable");
    expect(body.error.message).toBe("encryption at rest is not configured: MASTER_KEY is not configured");
    expect((await call(prod, "GET", `/v1/memories?user_id=${user}`, t)).status).toBe(503);
    expect((await call(prod, "POST", "/v1/admin/tenants", undefined, { name: "x" })).status).toBe(503);
    const health = await call(prod, "GET", "/healthz");
    expect(health.status).toBe(503);
    expect(await health.json()).toEqual({ ok: false, encryption: "missing" });
    // Nothing reached the cube.
    expect(await messageRows(t.id, user)).toEqual([]);
    expect(await dataKeyRows(t.id)).toEqual([]);
  });

  it("refuses a malformed MASTER_KEY or MASTER_KEY_PREVIOUS in every environment, and runs on the development key without one", async () => {
    const t = await newTenant();
    const variants: Array<Record<string, string>> = [{ MASTER_KEY: "dG9vIHNob3J0" }, { MASTER_KEY: "not base64!" }, { ENVIRONMENT: "development", MASTER_KEY: "dG9vIHNob3J0" }, { MASTER_KEY_PREVIOUS: "dG9vIHNob3J0" }];
    for (const over of variants) {
      const r = await call(over, "GET", "/v1/memories", t);
      expect(r.status, JSON.stringify(over)).toBe(503);
      expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/MASTER_KEY(_PREVIOUS)? is malformed/);
      expect(await (await call(over, "GET", "/healthz")).json()).toEqual({ ok: false, encryption: "malformed" });
    }
    expect(await (await call({ ENVIRONMENT: "development", MASTER_KEY: "" }, "GET", "/healthz")).json()).toEqual({ ok: true, encryption: "development" });
    expect((await call({ ENVIRONMENT: "development", MASTER_KEY: "" }, "GET", "/v1/memories", t)).status).toBe(200);
    const ok = await call({}, "GET", "/healthz");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, encryption: "configured" });
  });
});
