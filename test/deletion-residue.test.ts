// Deleted means gone: marker strings written through every path are found in no table of the
// cube's SQLite (FTS5 shadow tables included), of D1, or of either idempotency store afterwards.
import { describe, expect, it } from "vitest";
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { api, newTenant, uniq } from "./helpers";

const stubOf = (tenant: string, user: string) => env.CUBE.get(env.CUBE.idFromName(`${tenant}/user:${user}`));

/** A word no text holds by chance; its tail is what is looked for, so prefix-compressed index terms are caught too. */
const marker = () => `qzv${crypto.getRandomValues(new Uint32Array(2)).join("")}`;
const tailOf = (m: string) => m.slice(-8);

function holds(value: unknown, tails: readonly string[]): string | null {
  let text: string;
  if (typeof value === "string") text = value;
  else if (value instanceof ArrayBuffer) text = new TextDecoder("latin1").decode(value);
  else return null;
  const lower = text.toLowerCase();
  return tails.find((t) => lower.includes(t)) ?? null;
}

/** Every table of the cube's database, shadow tables included: "table.column" where a marker is found. */
async function cubeHits(tenant: string, user: string, tails: readonly string[]): Promise<string[]> {
  return runInDurableObject(stubOf(tenant, user), (_c, state) => {
    const sql = state.storage.sql;
    const hits: string[] = [];
    const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray();
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["memories", "memory_versions", "memory_fts_data", "memory_fts_content", "messages", "idempotency", "entities", "jobs"]));
    for (const { name } of tables) {
      for (const row of sql.exec(`SELECT * FROM "${name}"`)) {
        for (const [column, value] of Object.entries(row)) {
          const found = holds(value, tails);
          if (found) hits.push(`${name}.${column}`);
        }
      }
    }
    return hits;
  });
}

/** Every table of D1 (catalog, jobs, cubes, idempotency keys, ...). */
async function d1Hits(tails: readonly string[]): Promise<string[]> {
  const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string }>();
  const hits: string[] = [];
  for (const { name } of tables.results) {
    const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all<Record<string, unknown>>();
    for (const row of rows.results) for (const [column, value] of Object.entries(row)) if (holds(value, tails)) hits.push(`${name}.${column}`);
  }
  return hits;
}

describe("deleted text leaves nothing behind", () => {
  it("finds no marker anywhere after a memory and then its scope are deleted", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const m = Array.from({ length: 6 }, marker);
    const tails = m.map(tailOf);
    // A direct add with an Idempotency-Key: text, tags, metadata and the stored answer hold markers.
    const direct = await api<{ memories: Array<{ id: string }> }>(
      t, "POST", "/v1/memories",
      { user_id: user, text: `Ann keeps the spare key under ${m[0]}`, tags: [m[1]], metadata: { note: m[2] }, infer: false },
      { "idempotency-key": uniq("k") },
    );
    const id = (direct.body.memories[0] as { id: string }).id;
    // Messages extracted by a job: raw messages, memories, versions, entities, the job's report.
    const job = await api(t, "POST", "/v1/memories", {
      user_id: user,
      sync: true,
      messages: [
        { role: "user", name: "Ann", content: `I moved to ${m[3]} last May and I adopted a cat there.`, timestamp: "2024-06-01T10:00:00Z" },
        { role: "user", name: "Ann", content: `I moved to ${m[3]} last May and I adopted a cat there!`, timestamp: "2024-06-01T10:05:00Z" },
      ],
    });
    expect(job.status).toBe(201);
    const listed = await api<{ memories: Array<{ id: string }> }>(t, "GET", `/v1/memories?user_id=${user}`);
    // A correction stored as its own memory, and an edit that makes a second version.
    await api(t, "POST", "/v1/feedback", { memory_id: (listed.body.memories[0] as { id: string }).id, correction: `Ann also paints ${m[4]}` });
    await api(t, "PATCH", `/v1/memories/${id}`, { text: `Ann keeps the spare key under ${m[0]} and ${m[5]}` });
    await runDurableObjectAlarm(stubOf(t.id, user));
    expect((await cubeHits(t.id, user, tails)).length).toBeGreaterThan(0);
    expect((await d1Hits(tails)).length).toBeGreaterThan(0);

    expect((await api(t, "DELETE", `/v1/memories/${id}`)).status).toBe(200);
    expect((await api(t, "DELETE", `/v1/memories?user_id=${user}`)).status).toBe(200);
    await runDurableObjectAlarm(stubOf(t.id, user));

    expect(await cubeHits(t.id, user, tails)).toEqual([]);
    expect(await d1Hits(tails)).toEqual([]);
    // The user's memories are gone from every read, too.
    expect((await api<{ memories: unknown[] }>(t, "GET", `/v1/memories?user_id=${user}`)).body.memories).toEqual([]);
    expect((await api<{ results: unknown[] }>(t, "POST", "/v1/search", { query: m[0] as string, user_id: user })).body.results).toEqual([]);
  });

  it("answers a replayed key of a deleted memory with 409, never with its text", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const secret = marker();
    const key = uniq("k");
    const body = { user_id: user, text: `the locker code is ${secret}`, infer: false };
    const first = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", body, { "idempotency-key": key });
    const id = (first.body.memories[0] as { id: string }).id;
    expect((await api(t, "DELETE", `/v1/memories/${id}`)).status).toBe(200);
    const replay = await api<{ error: { code: string; details: { deleted: string[] } } }>(t, "POST", "/v1/memories", body, { "idempotency-key": key });
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe("conflict");
    expect(replay.body.error.details.deleted).toEqual([id]);
    expect(JSON.stringify(replay.body)).not.toContain(secret);
    expect((await api<{ memories: unknown[] }>(t, "GET", `/v1/memories?user_id=${user}`)).body.memories).toEqual([]);
  });

  it("drops an entity and its aliases once no memory names it", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const add = await api<{ memories: Array<{ id: string }> }>(t, "POST", "/v1/memories", {
      user_id: user,
      infer: false,
      messages: [{ role: "user", name: "Zebulon", content: "hello there, this is a message" }],
    });
    await api(t, "POST", "/v1/memories", { user_id: user, infer: false, messages: [{ role: "user", name: "Ann", content: "another message, from Ann" }] });
    const before = await api<{ entities: Array<{ name: string }> }>(t, "GET", `/v1/entities?user_id=${user}`);
    expect(before.body.entities.map((e) => e.name).sort()).toEqual(["Ann", "Zebulon"]);
    await api(t, "DELETE", `/v1/memories/${(add.body.memories[0] as { id: string }).id}`);
    const rows = await runInDurableObject(stubOf(t.id, user), (_c, state) => ({
      entities: state.storage.sql.exec<{ name: string }>("SELECT name FROM entities").toArray().map((r) => r.name),
      aliases: state.storage.sql.exec<{ alias: string }>("SELECT alias FROM entity_aliases").toArray().map((r) => r.alias),
    }));
    expect(rows).toEqual({ entities: ["Ann"], aliases: ["Ann"] });
  });
});
