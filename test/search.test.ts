// POST /v1/search end to end: each route, fusion, decay, dedup, filters, as_of, heat, timings.
import { describe, expect, it } from "vitest";
import { env, runInDurableObject } from "cloudflare:test";
import { api, newTenant, uniq, type Tenant } from "./helpers";

interface Mem { id: string; text: string; event_time: string | null; metadata: Record<string, unknown> }
interface Hit { memory: Mem; score: number; score_breakdown: Record<string, number> }
interface SearchOut { results: Hit[]; timings_ms: Record<string, number>; understood: { time: { from: string | null; to: string | null } | null; entities: string[] } | null }

interface Turn { content: string; name?: string; timestamp?: string }

async function add(t: Tenant, user: string, turns: Turn[], extra: Record<string, unknown> = {}): Promise<Mem[]> {
  const res = await api<{ memories: Mem[] }>(t, "POST", "/v1/memories", { user_id: user, infer: false, messages: turns.map((m) => ({ role: "user", ...m })), ...extra });
  expect(res.status).toBe(201);
  return res.body.memories;
}

async function search(t: Tenant, body: Record<string, unknown>): Promise<SearchOut> {
  const res = await api<SearchOut>(t, "POST", "/v1/search", { record_access: false, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const texts = (o: SearchOut): string[] => o.results.map((r) => r.memory.text);
const stubOf = (t: Tenant, user: string) => env.CUBE.get(env.CUBE.idFromName(`${t.id}/user:${user}`));
const sqlIn = <T>(t: Tenant, user: string, fn: (sql: SqlStorage) => T): Promise<T> => runInDurableObject(stubOf(t, user), (_cube, state) => fn(state.storage.sql));

describe("search routes", () => {
  it("keyword: stems and drops stop words; quoted so FTS operators in the query are inert", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, [{ content: "Caroline went hiking in the mountains" }, { content: "The weather was nice" }, { content: "Dinner was pasta" }]);
    const out = await search(t, { user_id: user, query: "who hikes mountains?", weights: { vector: 0 } });
    expect(out.results[0]?.memory.text).toBe("Caroline went hiking in the mountains");
    expect(out.results[0]?.score_breakdown.keyword).toBeGreaterThan(0);
    expect(out.results.some((r) => r.memory.text === "Dinner was pasta")).toBe(false);
    // Operators, column filters and quotes are just words here, and never a 500.
    const hostile = await search(t, { user_id: user, query: 'hiking" OR text:* NEAR(a b) AND NOT -weather ^"' });
    expect(texts(hostile)).toContain("Caroline went hiking in the mountains");
  });

  it("keyword: a hit lends score to the turns beside it in the same session (a question and its answer)", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, [{ content: "What instrument do you play these days?" }, { content: "The cello, mostly Bach suites" }], { session_id: "s1" });
    await add(t, user, [{ content: "Unrelated remark about trains" }, { content: "Another unrelated remark" }], { session_id: "s2" });
    const out = await search(t, { user_id: user, query: "which instrument", weights: { vector: 0 } });
    expect(texts(out).slice(0, 2)).toEqual(["What instrument do you play these days?", "The cello, mostly Bach suites"]);
    expect(texts(out)).not.toContain("Unrelated remark about trains");
  });

  it("vector: finds a memory that shares no keyword with the query", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, [{ content: "Melanie is a painter" }, { content: "Bob fixed the sink" }, { content: "Quarterly taxes are due" }]);
    const out = await search(t, { user_id: user, query: "paintings", weights: { vector: 1 } });
    const top = out.results[0] as Hit;
    expect(top.memory.text).toBe("Melanie is a painter");
    expect(top.score_breakdown.vector).toBeGreaterThan(0);
    expect(top.score_breakdown.keyword).toBeUndefined();
  });

  it("entity: matches a speaker's memories, and linked entities by alias", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const [a, b] = await add(t, user, [{ content: "I love the lake house", name: "Caroline" }, { content: "I love the lake house too", name: "Melanie" }]);
    const out = await search(t, { user_id: user, query: "what does Caroline love?", weights: { vector: 0 } });
    expect(out.results[0]?.memory.id).toBe(a?.id);
    expect(out.results[0]?.score_breakdown.entity).toBeGreaterThan(0);
    expect(out.results.find((r) => r.memory.id === b?.id)?.score_breakdown.entity).toBeUndefined();

    // Linked through the entity tables: "Mel" is an alias of Melanie.
    await sqlIn(t, user, (sql) => {
      const now = Date.now();
      const id = sql
        .exec<{ id: number }>(
          "INSERT INTO entities (name, norm, kind, mention_count, first_seen_at, last_seen_at) VALUES ('Melanie', 'melanie', 'person', 1, ?, ?) ON CONFLICT(norm) DO UPDATE SET name = excluded.name RETURNING id",
          now,
          now,
        )
        .one().id;
      sql.exec("INSERT OR REPLACE INTO entity_aliases (alias_norm, alias, entity_id) VALUES ('mel', 'Mel', ?)", id);
      sql.exec("INSERT OR IGNORE INTO memory_entities (memory_seq, entity_id) SELECT seq, ? FROM memories WHERE id = ?", id, b?.id ?? "");
    });
    const byAlias = await search(t, { user_id: user, query: "what does Mel love", weights: { vector: 0 } });
    expect(byAlias.results[0]?.memory.id).toBe(b?.id);
    expect(byAlias.understood?.entities).toEqual(["Melanie"]);
  });

  it("entity: a capitalized short form names the one entity it begins ('Mel' for Melanie), never a guess between two", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const [a, b] = await add(t, user, [{ content: "I love the lake house", name: "Caroline" }, { content: "I love the lake house too", name: "Melanie" }]);
    const link = (name: string, memoryId: string | undefined) =>
      sqlIn(t, user, (sql) => {
        const now = Date.now();
        const id = sql
          .exec<{ id: number }>(
            "INSERT INTO entities (name, norm, kind, mention_count, first_seen_at, last_seen_at) VALUES (?, ?, 'person', 1, ?, ?) ON CONFLICT(norm) DO UPDATE SET name = excluded.name RETURNING id",
            name,
            name.toLowerCase(),
            now,
            now,
          )
          .one().id;
        sql.exec("INSERT OR IGNORE INTO memory_entities (memory_seq, entity_id) SELECT seq, ? FROM memories WHERE id = ?", id, memoryId ?? "");
      });
    await link("Melanie", b?.id);
    await link("Caroline", a?.id);
    const nick = await search(t, { user_id: user, query: "what does Mel love", weights: { vector: 0 } });
    expect(nick.understood?.entities).toEqual(["Melanie"]);
    expect(nick.results[0]?.memory.id).toBe(b?.id);
    expect(nick.results[0]?.score_breakdown.entity).toBeGreaterThan(0);
    // Lowercase words are not names ("car" does not begin to name Caroline).
    expect((await search(t, { user_id: user, query: "what does the car love", weights: { vector: 0 } })).understood?.entities).toEqual([]);
    // Two entities begin with "Mel": no guess.
    await link("Melissa", a?.id);
    expect((await search(t, { user_id: user, query: "what does Mel love", weights: { vector: 0 } })).understood?.entities).toEqual([]);
  });

  it("time: a date in the query boosts what happened then, resolved against reference_time", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, [
      { content: "Went to the museum", timestamp: "2023-05-10T10:00:00Z" },
      { content: "Went to the museum again", timestamp: "2023-07-02T10:00:00Z" },
    ]);
    const may = await search(t, { user_id: user, query: "museum in May 2023" });
    expect(may.results[0]?.memory.text).toBe("Went to the museum");
    expect(may.results[0]?.score_breakdown.time).toBeGreaterThan(0);
    expect(may.understood?.time).toEqual({ from: "2023-05-01T00:00:00.000Z", to: "2023-06-01T00:00:00.000Z", matched: "in May 2023" });
    const lastMonth = await search(t, { user_id: user, query: "museum last month", reference_time: "2023-08-15T00:00:00Z" });
    expect(lastMonth.results[0]?.memory.text).toBe("Went to the museum again");
    // time_range is a hard filter, unlike the boost.
    const july = await search(t, { user_id: user, query: "museum", time_range: { from: "2023-07-01T00:00:00Z", to: "2023-08-01T00:00:00Z" } });
    expect(texts(july)).toEqual(["Went to the museum again"]);
  });
});

describe("event-anchored time", () => {
  it("'before she moved' boosts what happened before the memory that best matches the event", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const [dog, moved, pottery] = await add(t, user, [
      { content: "Caroline adopted a dog named Oscar", timestamp: "2023-03-01T10:00:00Z" },
      { content: "Caroline moved to Sweden", timestamp: "2023-06-01T10:00:00Z" },
      { content: "Caroline started a pottery class", timestamp: "2023-09-01T10:00:00Z" },
    ]);
    const before = await search(t, { user_id: user, query: "What did Caroline do before she moved?" });
    expect(before.understood?.time).toEqual({ from: null, to: "2023-06-01T10:00:00.000Z", matched: "before she moved", anchor: moved?.id });
    const timed = (o: SearchOut) => o.results.filter((r) => (r.score_breakdown.time ?? 0) > 0).map((r) => r.memory.id);
    expect(timed(before)).toEqual([dog?.id]);
    const after = await search(t, { user_id: user, query: "What did Caroline do after she moved?" });
    expect(after.understood?.time).toMatchObject({ from: "2023-06-01T10:00:00.000Z", to: null, anchor: moved?.id });
    expect(timed(after)).toEqual(expect.arrayContaining([moved?.id, pottery?.id]));
    expect(timed(after)).not.toContain(dog?.id);
    // An event no memory mentions anchors nothing.
    const unknown = await search(t, { user_id: user, query: "What did Caroline do before the marathon?" });
    expect(unknown.understood?.time).toBeNull();
  });
});

describe("fusion", () => {
  it("sums weighted route contributions into a normalized score, and weights change the order", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const [named, wordy] = await add(t, user, [{ content: "planted some tomatoes today", name: "Priya" }, { content: "Priya tomatoes: Priya grows tomatoes" }]);
    const out = await search(t, { user_id: user, query: "Priya tomatoes", weights: { vector: 0 } });
    for (const r of out.results) {
      const routes = ["vector", "keyword", "entity", "time", "recency"].reduce((s, k) => s + (r.score_breakdown[k] ?? 0), 0);
      expect(r.score).toBeCloseTo(routes * (r.score_breakdown.decay ?? 1) * (r.score_breakdown.heat ?? 1), 10);
      expect(r.score).toBeLessThanOrEqual(1);
    }
    const kwOnly = await search(t, { user_id: user, query: "Priya tomatoes", weights: { vector: 0, entity: 0 } });
    const entityHeavy = await search(t, { user_id: user, query: "Priya tomatoes", weights: { vector: 0, entity: 5 } });
    expect(kwOnly.results[0]?.memory.id).toBe(wordy?.id);
    expect(kwOnly.results.every((r) => r.score_breakdown.entity === undefined)).toBe(true);
    expect(entityHeavy.results[0]?.memory.id).toBe(named?.id);
    expect(entityHeavy.results[0]?.score_breakdown.entity).toBeGreaterThan(entityHeavy.results[0]?.score_breakdown.keyword ?? 1);
  });

  it("decays old memories (slower when important) and drops results under the threshold", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const [oldOne, fresh, oldImportant] = await add(t, user, [{ content: "alpha project kickoff notes" }, { content: "alpha project budget notes" }, { content: "alpha project risk notes" }]);
    const year = 365 * 86_400_000;
    await sqlIn(t, user, (sql) => {
      sql.exec("UPDATE memories SET valid_from = valid_from - ? WHERE id = ?", year, oldOne?.id ?? "");
      sql.exec("UPDATE memories SET valid_from = valid_from - ?, importance = 1 WHERE id = ?", year, oldImportant?.id ?? "");
    });
    const out = await search(t, { user_id: user, query: "alpha project notes", half_life_days: 30 });
    const decay = (id: string | undefined) => out.results.find((r) => r.memory.id === id)?.score_breakdown.decay ?? -1;
    expect(decay(fresh?.id)).toBeCloseTo(1, 3);
    expect(decay(oldOne?.id)).toBeLessThan(0.55);
    expect(decay(oldImportant?.id)).toBeGreaterThan(decay(oldOne?.id));
    expect(out.results[0]?.memory.id).toBe(fresh?.id);
    const cut = await search(t, { user_id: user, query: "alpha project notes", half_life_days: 30, threshold: 0.7 });
    expect(cut.results.map((r) => r.memory.id)).toEqual([fresh?.id]);
  });

  it("removes near-identical results and diversifies with MMR", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, [{ content: "Sam adopted a beagle puppy." }, { content: "sam adopted a beagle puppy" }, { content: "Sam's beagle puppy loves the park" }]);
    const out = await search(t, { user_id: user, query: "Sam beagle puppy" });
    expect(out.results.filter((r) => r.memory.text.toLowerCase().startsWith("sam adopted")).length).toBe(1);
    expect(out.results).toHaveLength(2);
    // λ = 0 ranks by dissimilarity to what is already picked: the order may change, nothing is lost.
    const diverse = await search(t, { user_id: user, query: "Sam beagle puppy", mmr_lambda: 0 });
    expect(new Set(texts(diverse))).toEqual(new Set(texts(out)));
  });
});

describe("filters", () => {
  it("filters by agent, session, tags, types and state", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, [{ content: "coffee order: flat white" }], { agent_id: "barista", session_id: "morning", tags: ["drinks"], type: "preference" });
    await add(t, user, [{ content: "coffee beans are low" }], { agent_id: "pantry", session_id: "evening", tags: ["stock"], type: "fact" });
    const q = { user_id: user, query: "coffee" };
    expect(texts(await search(t, { ...q, agent_id: "barista" }))).toEqual(["coffee order: flat white"]);
    expect(texts(await search(t, { ...q, session_id: "evening" }))).toEqual(["coffee beans are low"]);
    expect(texts(await search(t, { ...q, tags: ["drinks"] }))).toEqual(["coffee order: flat white"]);
    expect(texts(await search(t, { ...q, types: ["fact"] }))).toEqual(["coffee beans are low"]);
    expect(texts(await search(t, { ...q, state: "archived" }))).toEqual([]);
    expect(texts(await search(t, q)).sort()).toEqual(["coffee beans are low", "coffee order: flat white"]);
  });

  it("keyword: a narrow filter still finds its matches when hundreds outside it rank higher", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const crowd = Array.from({ length: 450 }, (_, i) => ({ content: `apple pie ${i}` }));
    await add(t, user, crowd, { session_id: "bakery" });
    await add(t, user, [{ content: "an apple fell near the old orchard gate while we walked along the valley road at dusk" }], { session_id: "walk" });
    const out = await search(t, { user_id: user, query: "apple", session_id: "walk", weights: { vector: 0, entity: 0 } });
    expect(texts(out)).toEqual(["an apple fell near the old orchard gate while we walked along the valley road at dusk"]);
    expect(out.results[0]?.score_breakdown.keyword).toBeGreaterThan(0);
  });

  it("as_of searches what was valid at that time, superseded versions included", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const [before, after] = await add(t, user, [{ content: "Lives in Porto" }, { content: "Lives in Lisbon" }]);
    const switchAt = Date.UTC(2024, 0, 1);
    await sqlIn(t, user, (sql) => {
      sql.exec("UPDATE memories SET valid_from = ?, valid_to = ? WHERE id = ?", switchAt - 100 * 86_400_000, switchAt, before?.id ?? "");
      sql.exec("UPDATE memories SET valid_from = ? WHERE id = ?", switchAt, after?.id ?? "");
    });
    expect(texts(await search(t, { user_id: user, query: "where does she live" }))).toEqual(["Lives in Lisbon"]);
    expect(texts(await search(t, { user_id: user, query: "where does she live", as_of: "2023-12-01T00:00:00Z" }))).toEqual(["Lives in Porto"]);
  });

  it("rejects bad weights and ranges with a 400", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, [{ content: "x marks the spot" }]);
    for (const body of [{ weights: { vector: -1 } }, { weights: { magic: 1 } }, { threshold: 2 }, { as_of: "yesterday" }, { format: "xml" }]) {
      const res = await api(t, "POST", "/v1/search", { user_id: user, query: "x", ...body });
      expect(res.status).toBe(400);
    }
  });
});

describe("heat and timings", () => {
  it("records access for returned memories (heat), unless record_access is false", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const [m] = await add(t, user, [{ content: "the spare key is under the blue pot" }]);
    const count = () => sqlIn(t, user, (sql) => sql.exec<{ n: number }>("SELECT access_count AS n FROM memories WHERE id = ?", m?.id ?? "").one().n);
    await search(t, { user_id: user, query: "spare key", record_access: false });
    expect(await count()).toBe(0);
    await search(t, { user_id: user, query: "spare key", record_access: true });
    await search(t, { user_id: user, query: "spare key", record_access: true });
    expect(await count()).toBe(2);
  });

  it("heat orders the recency route and scales no other score", async () => {
    const t = await newTenant();
    const user = uniq("u");
    // The hot one is stored first: the recency route's tie-break alone would put it second.
    const [hot, cold] = await add(t, user, [{ content: "the spare key is under the blue pot" }, { content: "the spare key is under the pink pot" }]);
    await sqlIn(t, user, (sql) => sql.exec("UPDATE memories SET access_count = 40, last_access_at = ? WHERE id = ?", Date.now(), hot?.id ?? ""));
    const plain = await search(t, { user_id: user, query: "spare key" });
    expect(plain.results.every((r) => r.score_breakdown.heat === undefined && r.score_breakdown.recency === undefined)).toBe(true);
    // Equal on every other route but for storage order; a recency route weighted above them decides.
    const recent = await search(t, { user_id: user, query: "spare key", weights: { recency: 2 } });
    expect(recent.results.map((r) => r.memory.id).slice(0, 2)).toEqual([hot?.id, cold?.id]);
    const [first, second] = recent.results;
    expect(first?.score_breakdown.recency).toBeGreaterThan(second?.score_breakdown.recency ?? Infinity);
  });

  it("reports the stages in timings_ms and Server-Timing", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await add(t, user, [{ content: "timing probe" }]);
    const res = await api<SearchOut>(t, "POST", "/v1/search", { user_id: user, query: "timing probe", format: "context" });
    expect(Object.keys(res.body.timings_ms)).toEqual(expect.arrayContaining(["embed", "cube", "cube_keyword", "cube_vector", "cube_fusion", "packing"]));
    expect(res.headers.get("server-timing")).toMatch(/embed;dur=[\d.]+, .*cube_keyword;dur=/);
  });
});
