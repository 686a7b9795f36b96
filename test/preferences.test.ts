// Preferences: their polarity and strength read from the text, their own list in /v1/search beside
// the results, a changed preference superseding the old one; isolation.
import { describe, expect, it } from "vitest";
import { api, newTenant, uniq, waitForJob, type Tenant } from "./helpers";
import { currentPreferences, readPreference } from "../src/memory/preferences";

interface Mem { id: string; text: string; type: string; valid_to: string | null }
interface Pref { memory: Mem; score: number; polarity: string | null; strength: number | null }
interface Search { results: Array<{ memory: Mem }>; preferences: Pref[] }

async function say(t: Tenant, user: string, content: string): Promise<void> {
  const r = await api<{ job: { id: string } }>(t, "POST", "/v1/memories", { user_id: user, messages: [{ role: "user", content }] });
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  await waitForJob(t, r.body.job.id, (j) => j.state === "succeeded");
}
const search = (t: Tenant, user: string, query: string, extra: Record<string, unknown> = {}) => api<Search>(t, "POST", "/v1/search", { query, user_id: user, ...extra });

describe("readPreference", () => {
  it("reads likes and dislikes, negations before likes, and intensifiers in the strength", () => {
    expect(readPreference("I prefer window seats")).toMatchObject({ polarity: "like", strength: 0.6, cue: "prefer" });
    expect(readPreference("Ann loves jazz")).toMatchObject({ polarity: "like", strength: 0.9 });
    expect(readPreference("I don't like coffee")).toMatchObject({ polarity: "dislike", cue: "don't like" });
    expect(readPreference("Bo can't stand loud music")).toMatchObject({ polarity: "dislike", strength: 0.9 });
    expect(readPreference("I really enjoy hiking")?.strength).toBe(0.7);
    expect(readPreference("I kind of like opera")?.strength).toBe(0.3);
    expect(readPreference("I always take the stairs")).toMatchObject({ polarity: "like", strength: 0.4 });
    expect(readPreference("The meeting is at noon")).toBeNull();
    expect(readPreference("The user hates coffee now.")?.object).toBe("coffee");
  });

  it("keeps the latest statement about each object", () => {
    const prefs = [
      { text: "The user loves coffee.", at: 1 },
      { text: "The user prefers window seats", at: 2 },
      { text: "The user hates coffee now.", at: 3 },
      { text: "The meeting is at noon", at: 0 },
    ];
    expect(currentPreferences(prefs)).toEqual([1, 2, 3]);
  });
});

describe("preferences in /v1/search", () => {
  it("answers preferences in their own list with polarity and strength, and results as before", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await say(t, user, "I prefer window seats on long flights.");
    await say(t, user, "I hate middle seats.");
    await say(t, user, "I work as a nurse in Oslo.");
    const r = await search(t, user, "seats on flights");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.results.length).toBeGreaterThan(0);
    const prefs = r.body.preferences;
    expect(prefs.every((p) => p.memory.type === "preference")).toBe(true);
    const window = prefs.find((p) => /window seats/i.test(p.memory.text));
    expect(window).toMatchObject({ polarity: "like", strength: 0.6 });
    expect(prefs.find((p) => /middle seats/i.test(p.memory.text))).toMatchObject({ polarity: "dislike", strength: 0.9 });
    expect(prefs.some((p) => /nurse/.test(p.memory.text))).toBe(false);
    // A search that asks for other types only gets no preferences.
    const facts = await search(t, user, "seats on flights", { types: ["fact", "event"] });
    expect(facts.body.preferences).toEqual([]);
  });

  it("finds a preference stated right after a search of a cube that had none", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await say(t, user, "I work as a nurse in Oslo.");
    expect((await search(t, user, "seats")).body.preferences).toEqual([]);
    await say(t, user, "I prefer aisle seats.");
    expect((await search(t, user, "seats")).body.preferences.map((p) => p.memory.text).join(" ")).toMatch(/aisle seats/i);
  });

  it("keeps only the current preference once it changed", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await api(t, "POST", "/v1/memories", { user_id: user, text: "I like green tea", type: "preference", infer: false });
    const before = await search(t, user, "green tea");
    expect(before.body.preferences.map((p) => p.polarity)).toEqual(["like"]);
    const old = before.body.preferences[0]?.memory.id as string;
    const changed = await api(t, "PATCH", `/v1/memories/${old}`, { text: "I don't like green tea any more" });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const after = await search(t, user, "green tea");
    expect(after.body.preferences).toHaveLength(1);
    expect(after.body.preferences[0]).toMatchObject({ polarity: "dislike" });
    expect(after.body.preferences[0]?.memory.text).toBe("I don't like green tea any more");
  });

  it("shows no preference of another tenant's user", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const user = uniq("u");
    await api(t, "POST", "/v1/memories", { user_id: user, text: "I love sushi", type: "preference", infer: false });
    const r = await search(other, user, "sushi");
    expect(r.status).toBe(404);
    const wide = await api<Search>(other, "POST", "/v1/search", { query: "sushi" });
    expect(wide.status).toBe(200);
    expect(JSON.stringify(wide.body)).not.toContain("sushi");
  });
});

describe("a preference that changes in conversation", () => {
  it("answers only the latest statement about the same thing in preferences (both stay in results)", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await say(t, user, "I love coffee.");
    await say(t, user, "I hate coffee now.");
    const r = await search(t, user, "coffee");
    expect(r.body.preferences.map((p) => [p.memory.text, p.polarity])).toEqual([["The user hates coffee now.", "dislike"]]);
    expect(r.body.results.map((x) => x.memory.text).sort()).toEqual(["The user hates coffee now.", "The user loves coffee."]);
  });
});
