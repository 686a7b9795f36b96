// Desensitization in the write path: PII is masked (or redacted, or kept with mode off) before the
// cube stores it and before the embedder or extractor sees it; reveal needs pii:read and stays in its tenant.
import { describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { api, newTenant, uniq, type Tenant } from "./helpers";
import { cubeStub } from "../src/services/cubes";

interface MemoryOut {
  id: string;
  text: string;
}
interface Added {
  memories: MemoryOut[];
}

const stubOf = (tenant: string, user: string) => env.CUBE.get(env.CUBE.idFromName(`${tenant}/user:${user}`));

const EMAIL = "Ann.Lee@Example.com";
const PHONE = "+1 (415) 555-0132";

/** A key of the same tenant with these scopes, made with the tenant's admin key. */
async function keyFor(owner: Tenant, scopes: string[]): Promise<Tenant> {
  const made = await api<{ key: string }>(owner, "POST", "/v1/keys", { name: uniq("k"), scopes });
  expect(made.status).toBe(201);
  return { id: owner.id, key: made.body.key, auth: { authorization: `Bearer ${made.body.key}` } };
}

async function add(t: Tenant, user: string, text: string): Promise<MemoryOut> {
  const r = await api<Added>(t, "POST", "/v1/memories", { user_id: user, text, infer: false });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.memories[0] as MemoryOut;
}

/** Every "table.column" of the cube's SQLite (FTS shadow tables included) holding `needle`, lowercase. */
async function cubeTablesHolding(tenant: string, user: string, needle: string): Promise<string[]> {
  return runInDurableObject(stubOf(tenant, user), (_c, state) => {
    const sql = state.storage.sql;
    const hits: string[] = [];
    const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray();
    for (const { name } of tables) {
      for (const row of sql.exec(`SELECT * FROM "${name}"`)) {
        for (const [column, value] of Object.entries(row)) {
          const text = typeof value === "string" ? value : value instanceof ArrayBuffer ? new TextDecoder("latin1").decode(value) : "";
          if (text.toLowerCase().includes(needle)) hits.push(`${name}.${column}`);
        }
      }
    }
    return [...new Set(hits)];
  });
}

describe("privacy: desensitization before storage", () => {
  it("stores a message's email and phone masked: raw message, memory, FTS, D1 catalog; only the vault holds them", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const content = `My email is ${EMAIL} and my phone is ${PHONE}.`;
    const r = await api<{ job: { id: string; state: string }; memories: MemoryOut[] }>(t, "POST", "/v1/memories", {
      user_id: user,
      messages: [{ role: "user", content }],
      infer: true,
      mode: "fast",
      sync: true,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const direct = await add(t, user, `Ann's email is ${EMAIL.toLowerCase()}, call ${PHONE}`);
    expect(direct.text).toBe("Ann's email is [EMAIL_1], call [PHONE_1]");

    // The extractor read the message masked: what it made of it holds the placeholders, not the values.
    const extracted = r.body.memories.map((m) => m.text).join(" ");
    expect(extracted).toContain("[EMAIL_1]");
    expect(extracted).toContain("[PHONE_1]");
    expect(extracted).not.toMatch(/example\.com|555/i);

    // No memory, version, FTS, message, job or idempotency row holds the values; only the vault may
    // (in plaintext with the plaintext cipher, sealed with a data key).
    const outsideVault = async (needle: string) => (await cubeTablesHolding(t.id, user, needle)).filter((h) => !h.startsWith("pii_vault."));
    expect(await outsideVault("ann.lee@example.com")).toEqual([]);
    expect(await outsideVault("555-0132")).toEqual([]);
    expect(await outsideVault("4155550132")).toEqual([]);

    const found = await api<{ results: Array<{ memory: MemoryOut }> }>(t, "POST", "/v1/search", { user_id: user, query: "[EMAIL_1]", weights: { keyword: 1, vector: 0 }, record_access: false });
    expect(found.status, JSON.stringify(found.body)).toBe(200);
    expect(found.body.results.map((h) => h.memory.id)).toContain(direct.id);

    // The outbox drains to D1 by alarm (the real one may already be running when the test fires it).
    let row: { text: string } | null = null;
    for (let i = 0; i < 50 && !row; i++) {
      await runDurableObjectAlarm(stubOf(t.id, user));
      row = await env.DB.prepare("SELECT text FROM memories WHERE tenant_id = ? AND id = ?").bind(t.id, direct.id).first<{ text: string }>();
      if (!row) await new Promise((res) => setTimeout(res, 100));
    }
    expect(row?.text).toBe("Ann's email is [EMAIL_1], call [PHONE_1]");
    const d1Raw = await env.DB.prepare("SELECT COUNT(*) AS n FROM memories WHERE tenant_id = ? AND lower(text) LIKE '%example.com%'").bind(t.id).first<{ n: number }>();
    expect(d1Raw?.n).toBe(0);
  });

  it("gives the same value the same placeholder in every spelling and a new value the next number", async () => {
    const t = await newTenant();
    const user = uniq("u");
    expect((await add(t, user, "write to ann@example.com")).text).toBe("write to [EMAIL_1]");
    expect((await add(t, user, "ANN@EXAMPLE.COM again, or bob@example.com")).text).toBe("[EMAIL_1] again, or [EMAIL_2]");
    expect((await add(t, user, "call 415-555-0132 or +1 415 555 0132")).text).toBe("call [PHONE_1] or [PHONE_1]");
    const privacy = await api<{ mode: string; vault_entries: number }>(t, "GET", `/v1/cubes/user:${user}/privacy`);
    expect(privacy.body).toEqual({ cube_id: `user:${user}`, mode: "mask", vault_entries: 3 });
    // Another cube numbers its own values: the same email is [EMAIL_1] there and tells nothing about this one.
    const other = uniq("u");
    expect((await add(t, other, "bob@example.com")).text).toBe("[EMAIL_1]");
  });

  it("numbers values of concurrent writes without collisions", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, "cube exists");
    const texts = await Promise.all(Array.from({ length: 12 }, (_, i) => add(t, user, `mail person${i}@example.com`).then((m) => m.text)));
    expect(new Set(texts).size).toBe(12);
    expect(texts.map((x) => x.replace(/\d+/, "n")).every((x) => x === "mail [EMAIL_n]")).toBe(true);
    expect((await api(t, "GET", `/v1/cubes/user:${user}/privacy`)).body).toMatchObject({ vault_entries: 12 });
  });

  it("masks a feedback correction before the judge and the embedder, in the memory and its metadata", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const m = await add(t, user, "Ann lives in Oslo");
    const r = await api<{ memories: Array<MemoryOut & { metadata: Record<string, unknown> }> }>(t, "POST", "/v1/feedback", { memory_id: m.id, correction: "Ann can be reached at ann@example.net" });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(JSON.stringify(r.body)).not.toContain("ann@example.net");
    expect(JSON.stringify(r.body)).toContain("[EMAIL_1]");
    expect((await cubeTablesHolding(t.id, user, "ann@example.net")).filter((h) => !h.startsWith("pii_vault."))).toEqual([]);
  });

  it("masks a PATCHed text before it is stored and embedded", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const m = await add(t, user, "Ann moved");
    const patched = await api<MemoryOut>(t, "PATCH", `/v1/memories/${m.id}`, { text: "Ann moved; new mail ann@example.org" });
    expect(patched.status).toBe(200);
    expect(patched.body.text).toBe("Ann moved; new mail [EMAIL_1]");
  });

  it("masks personal data in tags, metadata values and speakers' names, on add, PATCH and ingest, with the texts' vault", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const r = await api<Added & { memories: Array<MemoryOut & { tags: string[]; metadata: Record<string, unknown> }> }>(t, "POST", "/v1/memories", {
      user_id: user,
      text: "Ann prefers email",
      infer: false,
      tags: ["contact", "ann.tag@example.com"],
      metadata: { owner: { mail: "ann.tag@example.com", phones: ["+1 (415) 555-0199"] }, count: 3 },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const m = r.body.memories[0] as MemoryOut & { tags: string[]; metadata: Record<string, unknown> };
    expect(m.tags).toEqual(["contact", "[EMAIL_1]"]);
    expect(m.metadata).toEqual({ owner: { mail: "[EMAIL_1]", phones: ["[PHONE_1]"] }, count: 3 });

    const patched = await api<{ tags: string[]; text: string }>(t, "PATCH", `/v1/memories/${m.id}`, { tags: ["bob.tag@example.com"] });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({ tags: ["[EMAIL_2]"], text: "Ann prefers email" });

    const ingested = await api(t, "POST", "/v1/memories", {
      user_id: user,
      messages: [{ role: "user", name: "carol.name@example.com", content: "I keep bees in the garden." }],
      tags: ["from carol.opt@example.com"],
      sync: true,
    });
    expect(ingested.status, JSON.stringify(ingested.body)).toBe(201);
    // Stored as they are (infer false), messages keep their speaker as an entity and in metadata: masked there too.
    const direct = await api<{ memories: Array<{ entities: string[]; metadata: Record<string, unknown> }> }>(t, "POST", "/v1/memories", {
      user_id: user,
      messages: [{ role: "user", name: "dora.ent@example.com", content: "Dora waters the plants." }],
      infer: false,
    });
    expect(direct.status, JSON.stringify(direct.body)).toBe(201);
    expect(direct.body.memories[0]?.entities).toEqual(["[EMAIL_5]"]);
    expect(direct.body.memories[0]?.metadata).toMatchObject({ name: "[EMAIL_5]" });
    const outsideVault = async (needle: string) => (await cubeTablesHolding(t.id, user, needle)).filter((h) => !h.startsWith("pii_vault."));
    for (const needle of ["ann.tag@example.com", "555-0199", "bob.tag@example.com", "carol.name@example.com", "carol.opt@example.com", "dora.ent@example.com"]) expect(await outsideVault(needle), needle).toEqual([]);
    // Raw messages are sealed at rest, so the search above cannot see into them: the vault shows the
    // name and the job's tag went through it (two emails, one phone, then three more emails).
    expect((await api(t, "GET", `/v1/cubes/user:${user}/privacy`)).body).toMatchObject({ vault_entries: 6 });
  });

  it("masks in the cube what a caller of its RPC sent raw, and drops the vector made from the raw text", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, "cube exists");
    const identity = { tenant_id: t.id, cube_id: `user:${user}` };
    const vector = new Float32Array(8).fill(0.5);
    const added = await cubeStub(env, identity).addMemories({
      identity,
      embedder: "test",
      items: [
        { user_id: user, agent_id: null, session_id: null, text: "SSN 123-45-6789", type: "note", tags: [], entities: [], metadata: {}, importance: 0.5, event_time: null, source_message_ids: [], hash: "c".repeat(64), vector },
        { user_id: user, agent_id: null, session_id: null, text: "nothing personal", type: "note", tags: [], entities: [], metadata: {}, importance: 0.5, event_time: null, source_message_ids: [], hash: "d".repeat(64), vector },
      ],
    });
    expect(added.ok && added.value.memories.map((m) => m.text)).toEqual(["SSN [SSN_1]", "nothing personal"]);
    const withVector = await runInDurableObject(stubOf(t.id, user), (_c, state) =>
      state.storage.sql.exec<{ text: string }>("SELECT m.text FROM memories m JOIN vectors v ON v.seq = m.seq WHERE m.text IN ('SSN [SSN_1]', 'nothing personal')").toArray().map((r) => r.text),
    );
    expect(withVector).toEqual(["nothing personal"]);
  });
});

describe("privacy: modes", () => {
  it("redact drops the values (typed markers, nothing in the vault); off keeps them", async () => {
    const admin = await newTenant(["memories:read", "memories:write", "admin"]);
    const user = uniq("u");
    await add(admin, user, "cube exists");
    const set = await api(admin, "PUT", `/v1/cubes/user:${user}/privacy`, { mode: "redact" });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ cube_id: `user:${user}`, mode: "redact", vault_entries: 0 });
    expect((await add(admin, user, `mail ${EMAIL}, card 4242 4242 4242 4242`)).text).toBe("mail [EMAIL], card [CARD]");
    expect((await api(admin, "GET", `/v1/cubes/user:${user}/privacy`)).body).toMatchObject({ mode: "redact", vault_entries: 0 });
    expect(await cubeTablesHolding(admin.id, user, "ann.lee")).toEqual([]);

    expect((await api(admin, "PUT", `/v1/cubes/user:${user}/privacy`, { mode: "off" })).status).toBe(200);
    expect((await add(admin, user, `mail ${EMAIL}`)).text).toBe(`mail ${EMAIL}`);
  });

  it("refuses a bad mode (400), a key without admin (403) and another tenant's cube (404), changing nothing", async () => {
    const admin = await newTenant(["memories:read", "memories:write", "admin"]);
    const user = uniq("u");
    await add(admin, user, "cube exists");
    const path = `/v1/cubes/user:${user}/privacy`;
    expect((await api(admin, "PUT", path, { mode: "encrypt" })).status).toBe(400);
    expect((await api(admin, "PUT", path, { mode: "off", extra: 1 })).status).toBe(400);
    expect((await api(admin, "PUT", path, "not json")).status).toBe(400);
    const writer = await keyFor(admin, ["memories:read", "memories:write"]);
    const denied = await api<{ error: { code: string } }>(writer, "PUT", path, { mode: "off" });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("forbidden");
    const stranger = await newTenant(["memories:read", "memories:write", "admin"]);
    expect((await api(stranger, "PUT", path, { mode: "off" })).status).toBe(404);
    expect((await api(stranger, "GET", path)).status).toBe(404);
    expect((await api(admin, "GET", path)).body).toMatchObject({ mode: "mask" });
  });
});

describe("privacy: reveal", () => {
  it("fills the placeholders for a key with pii:read and refuses one without", async () => {
    const admin = await newTenant(["memories:read", "memories:write", "admin"]);
    const user = uniq("u");
    const m = await add(admin, user, `Ann: ${EMAIL}, ${PHONE}, and [EMAIL_9] as typed`);
    expect(m.text).toBe("Ann: [EMAIL_1], [PHONE_1], and [EMAIL_9] as typed");

    const reader = await keyFor(admin, ["memories:read"]);
    const denied = await api<{ error: { code: string } }>(reader, "GET", `/v1/memories/${m.id}/reveal`);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("forbidden");

    const pii = await keyFor(admin, ["memories:read", "pii:read"]);
    const shown = await api<MemoryOut & { revealed: number }>(pii, "GET", `/v1/memories/${m.id}/reveal`);
    expect(shown.status).toBe(200);
    expect(shown.body.text).toBe(`Ann: ${EMAIL}, ${PHONE}, and [EMAIL_9] as typed`);
    expect(shown.body.revealed).toBe(2);
    expect(shown.headers.get("cache-control")).toBe("no-store");
    // The ordinary read still answers the masked text.
    expect((await api<MemoryOut>(pii, "GET", `/v1/memories/${m.id}`)).body.text).toBe(m.text);
  });

  it("erases a vault value once no memory names it, and never gives its number to another value", async () => {
    const admin = await newTenant(["memories:read", "memories:write", "admin"]);
    const user = uniq("u");
    const first = await add(admin, user, `Write to ${EMAIL} about the lease`);
    const second = await add(admin, user, `Ann's mail is ${EMAIL.toLowerCase()}`);
    expect(first.text).toContain("[EMAIL_1]");
    expect(second.text).toContain("[EMAIL_1]");
    const vault = () =>
      runInDurableObject(stubOf(admin.id, user), (_c, state) => state.storage.sql.exec<{ placeholder: string; key: string; value: string }>("SELECT placeholder, key, value FROM pii_vault ORDER BY n").toArray());
    const reveal = async (id: string) => (await api<MemoryOut>(admin, "GET", `/v1/memories/${id}/reveal`)).body.text;

    expect((await api(admin, "DELETE", `/v1/memories/${first.id}`)).status).toBe(200);
    // Still named by the second memory: kept, and still revealed.
    expect((await vault())[0]?.value).not.toBe("");
    expect(await reveal(second.id)).toBe(`Ann's mail is ${EMAIL}`);

    expect((await api(admin, "DELETE", `/v1/memories/${second.id}`)).status).toBe(200);
    const rows = await vault();
    expect(rows).toEqual([{ placeholder: "[EMAIL_1]", key: "erased:[EMAIL_1]", value: "" }]);
    // The same value again, and a new one, both get numbers never used before.
    const again = await add(admin, user, `Back: ${EMAIL}; also bob@example.net`);
    expect(again.text).toBe("Back: [EMAIL_2]; also [EMAIL_3]");
    expect(await reveal(again.id)).toBe(`Back: ${EMAIL}; also bob@example.net`);
  });

  it("desensitizes a search query with the cube's vault, writing nothing: a search by the raw value finds the masked memory", async () => {
    const admin = await newTenant(["memories:read", "memories:write", "admin"]);
    const user = uniq("u");
    const m = await add(admin, user, `Invoices go to ${EMAIL} every month`);
    await add(admin, user, "Ann waters the plants on Sunday");
    const vaultRows = () => runInDurableObject(stubOf(admin.id, user), (_c, state) => state.storage.sql.exec("SELECT placeholder FROM pii_vault").toArray().length);
    const before = await vaultRows();
    const found = await api<{ results: Array<{ memory: { id: string } }> }>(admin, "POST", "/v1/search", { query: `mail for ${EMAIL.toUpperCase()}`, user_id: user, weights: { vector: 0 } });
    expect(found.body.results[0]?.memory.id).toBe(m.id);
    const unknown = await api(admin, "POST", "/v1/search", { query: "who is zed@example.org", user_id: user });
    expect(unknown.status).toBe(200);
    expect(await vaultRows()).toBe(before);
  });

  it("does not reveal another tenant's memory, by id or with its cube named", async () => {
    const owner = await newTenant();
    const user = uniq("u");
    const m = await add(owner, user, `secret mail ${EMAIL}`);
    const stranger = await newTenant(["memories:read", "pii:read"]);
    for (const path of [`/v1/memories/${m.id}/reveal`, `/v1/memories/${m.id}/reveal?cube_id=user:${user}`, `/v1/memories/${m.id}/reveal?user_id=${user}`]) {
      const r = await api<{ error: { code: string } }>(stranger, "GET", path);
      expect(r.status, path).toBe(404);
      expect(JSON.stringify(r.body)).not.toContain("example.com");
    }
  });
});

describe("privacy: POST /v1/privacy/detect", () => {
  it("answers spans and the desensitized text without storing anything", async () => {
    const t = await newTenant();
    const text = `Mail ${EMAIL} or ${EMAIL.toUpperCase()}, SSN 123-45-6789`;
    const r = await api<{ results: Array<{ spans: Array<{ type: string; start: number; end: number }>; text: string }> }>(t, "POST", "/v1/privacy/detect", { texts: [text, "nothing here"] });
    expect(r.status).toBe(200);
    expect(r.body.results[0]?.text).toBe("Mail [EMAIL_1] or [EMAIL_1], SSN [SSN_1]");
    expect(r.body.results[0]?.spans.map((s) => [s.type, text.slice(s.start, s.end)])).toEqual([["EMAIL", EMAIL], ["EMAIL", EMAIL.toUpperCase()], ["SSN", "123-45-6789"]]);
    expect(r.body.results[1]).toEqual({ spans: [], text: "nothing here" });
    const redacted = await api<{ results: Array<{ text: string }> }>(t, "POST", "/v1/privacy/detect", { texts: [text], mode: "redact" });
    expect(redacted.body.results[0]?.text).toBe("Mail [EMAIL] or [EMAIL], SSN [SSN]");
    const catalog = await env.DB.prepare("SELECT COUNT(*) AS n FROM memories WHERE tenant_id = ?").bind(t.id).first<{ n: number }>();
    expect(catalog?.n).toBe(0);
  });

  it("refuses ill-formed input with 400 and a missing key with 401", async () => {
    const t = await newTenant();
    for (const body of [{}, { texts: [] }, { texts: Array.from({ length: 101 }, () => "x") }, { texts: [42] }, { texts: ["a"], mode: "off" }, { texts: ["a"], extra: true }]) {
      expect((await api(t, "POST", "/v1/privacy/detect", body)).status, JSON.stringify(body).slice(0, 60)).toBe(400);
    }
    expect((await api(null, "POST", "/v1/privacy/detect", { texts: ["a"] })).status).toBe(401);
  });
});
