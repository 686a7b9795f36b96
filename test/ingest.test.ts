// The ingestion pipeline end to end: extraction, the three dedup stages, supersede, replay, feedback, entities.
import { describe, expect, it } from "vitest";
import { api, newTenant, uniq, type Tenant } from "./helpers";

interface Mem { id: string; text: string; type: string; entities: string[]; version: number; valid_to: string | null; event_time: string | null; source_message_ids: string[]; seen_count: number }
interface Job { id: string; state: string; result: { memory_ids: string[]; added: number; skipped: number; detail: Record<string, unknown> } }

const DAY1 = "2023-05-08T13:56:00Z";
const DAY2 = "2023-06-20T10:00:00Z";

async function ingest(t: Tenant, user: string, messages: Array<{ role: string; name?: string; content: string; timestamp?: string }>, extra: Record<string, unknown> = {}) {
  const r = await api<{ job: Job; memories: Mem[]; replayed: number }>(t, "POST", "/v1/memories", { user_id: user, messages, sync: true, ...extra });
  expect([200, 201]).toContain(r.status);
  return r.body;
}

async function all(t: Tenant, user: string): Promise<Mem[]> {
  return (await api<{ memories: Mem[] }>(t, "GET", `/v1/memories?user_id=${user}&limit=200`)).body.memories;
}

describe("ingestion", () => {
  it("extracts self-contained facts: speaker names for I/my, dates resolved, chit-chat dropped", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const out = await ingest(t, user, [
      { role: "user", name: "Caroline", content: "Hey Mel! How are you?", timestamp: DAY1 },
      { role: "assistant", name: "Melanie", content: "Good, thanks! Busy week.", timestamp: DAY1 },
      { role: "user", name: "Caroline", content: "I went to an LGBTQ support group yesterday and it was so powerful.", timestamp: DAY1 },
      { role: "assistant", name: "Melanie", content: "That's great!", timestamp: DAY1 },
      { role: "assistant", name: "Melanie", content: "I am planning to paint a sunrise next month.", timestamp: DAY1 },
    ]);
    expect(out.job.state).toBe("succeeded");
    const texts = (await all(t, user)).map((m) => m.text);
    expect(texts.some((x) => /^Caroline went to an LGBTQ support group/.test(x) && /7 May 2023/.test(x))).toBe(true);
    expect(texts.some((x) => /^Melanie is planning to paint a sunrise/.test(x))).toBe(true);
    expect(texts.some((x) => /how are you|that's great/i.test(x))).toBe(false);
    const group = (await all(t, user)).find((m) => /support group/.test(m.text)) as Mem;
    expect(group.entities).toContain("Caroline");
    expect(group.event_time?.slice(0, 10)).toBe("2023-05-07");
    expect(group.source_message_ids).toHaveLength(1);
  });

  it("stage 1, exact: the same fact with other casing and punctuation stores nothing new", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await ingest(t, user, [{ role: "user", name: "Ann", content: "I adopted a cat named Miso from the shelter.", timestamp: DAY1 }]);
    const before = await all(t, user);
    const second = await ingest(t, user, [{ role: "user", name: "Ann", content: "i ADOPTED a cat named miso from the shelter!!", timestamp: DAY2 }]);
    expect(second.job.result.added).toBe(0);
    expect(second.job.result.skipped).toBe(1);
    const after = await all(t, user);
    expect(after.map((m) => m.id)).toEqual(before.map((m) => m.id));
    expect(after[0]?.seen_count).toBe(2);
    expect(after[0]?.version).toBe(1);
  });

  it("stage 2, near: a near-identical candidate merges, uniting sources, as a new version", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await ingest(t, user, [{ role: "user", name: "Ann", content: "I adopted a tabby cat named Miso from the city shelter.", timestamp: DAY1 }]);
    const second = await ingest(t, user, [{ role: "user", name: "Ann", content: "From the city shelter I adopted a tabby cat named Miso!", timestamp: DAY2 }]);
    const detail = second.job.result.detail as { merged: string[]; added: string[] };
    expect(detail.added).toHaveLength(0);
    expect(detail.merged).toHaveLength(1);
    const [m] = await all(t, user);
    expect(m?.source_message_ids).toHaveLength(2);
    expect(m?.seen_count).toBe(2);
    const hist = await api<{ versions: Array<{ reason: string }> }>(t, "GET", `/v1/memories/${m?.id}/history?user_id=${user}`);
    expect(hist.body.versions.map((v) => v.reason)).toEqual(["extract", "merge"]);
  });

  it("keeps unrelated facts apart (no false merge) even when they share words", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await ingest(t, user, [
      { role: "user", name: "Ann", content: "I adopted a cat named Miso from the shelter.", timestamp: DAY1 },
      { role: "user", name: "Ann", content: "My sister adopted a dog named Rex from a breeder.", timestamp: DAY1 },
    ]);
    expect((await all(t, user)).length).toBe(2);
  });

  it("stage 3, conflict: a changed value supersedes the old memory, which keeps its history", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await ingest(t, user, [{ role: "user", name: "Bob", content: "I live in Boston with my two kids.", timestamp: DAY1 }]);
    const second = await ingest(t, user, [{ role: "user", name: "Bob", content: "I moved to Seattle last month for a new job.", timestamp: DAY2 }]);
    const detail = second.job.result.detail as { superseded: string[] };
    expect(detail.superseded).toHaveLength(1);
    const mems = await all(t, user);
    const old = mems.find((m) => /Boston/.test(m.text)) as Mem;
    const now = mems.find((m) => /Seattle/.test(m.text)) as Mem;
    expect(old.valid_to).not.toBeNull();
    expect(now.valid_to).toBeNull();
    const hist = await api<{ versions: Array<{ reason: string; memory: Mem }> }>(t, "GET", `/v1/memories/${old.id}/history?user_id=${user}`);
    expect(hist.body.versions.map((v) => v.reason)).toEqual(["extract", "supersede"]);
    expect(hist.body.versions[0]?.memory.valid_to).toBeNull();
  });

  it("replay: the same batch sent five times is stored once and queues nothing more", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const batch = [
      { role: "user", name: "Ann", content: "I started learning the cello in January.", timestamp: DAY1 },
      { role: "assistant", name: "Bot", content: "Practising every day makes a big difference.", timestamp: DAY1 },
    ];
    const first = await api<{ job: Job }>(t, "POST", "/v1/memories", { user_id: user, messages: batch, sync: true });
    const count = (await all(t, user)).length;
    for (let i = 0; i < 4; i++) {
      const again = await api<{ job: Job; replayed: number }>(t, "POST", "/v1/memories", { user_id: user, messages: batch });
      expect(again.status).toBe(200);
      expect(again.body.replayed).toBe(2);
      expect(again.body.job.id).toBe(first.body.job.id);
    }
    expect((await all(t, user)).length).toBe(count);
    const stats = await api<{ messages: number }>(t, "GET", `/v1/cubes/user:${user}`);
    expect(stats.body.messages).toBe(2);
  });

  it("feedback corrects a memory through the judge, keeping the old one in history", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await ingest(t, user, [{ role: "user", name: "Caroline", content: "I live in Boston near the harbour.", timestamp: DAY1 }]);
    const [m] = await all(t, user);
    const fb = await api<{ decision: { action: string; target_id: string }; memories: Mem[] }>(t, "POST", "/v1/feedback", {
      memory_id: m?.id,
      user_id: user,
      correction: "Actually she lives in Paris now",
    });
    expect(fb.status).toBe(200);
    expect(fb.body.decision).toMatchObject({ action: "SUPERSEDE", target_id: m?.id });
    const mems = await all(t, user);
    const current = mems.filter((x) => x.valid_to === null).map((x) => x.text);
    expect(current.some((x) => /Paris/.test(x))).toBe(true);
    expect(current.some((x) => /Boston/.test(x))).toBe(false);
    const hist = await api<{ versions: Array<{ reason: string }> }>(t, "GET", `/v1/memories/${m?.id}/history?user_id=${user}`);
    expect(hist.body.versions.map((v) => v.reason)).toEqual(["extract", "feedback"]);
  });

  it("feedback rejects bad input and unknown memories without changing anything", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await ingest(t, user, [{ role: "user", name: "Ann", content: "I work as a nurse at the city hospital.", timestamp: DAY1 }]);
    const [m] = await all(t, user);
    expect((await api(t, "POST", "/v1/feedback", { user_id: user, correction: "x" })).status).toBe(400);
    expect((await api(t, "POST", "/v1/feedback", { memory_id: m?.id, memory_ids: [m?.id], correction: "x", user_id: user })).status).toBe(400);
    expect((await api(t, "POST", "/v1/feedback", { memory_id: "mem_nope", correction: "she is a doctor now", user_id: user })).status).toBe(404);
    const other = await newTenant();
    expect((await api(other, "POST", "/v1/feedback", { memory_id: m?.id, correction: "she is a doctor now" })).status).toBe(404);
    const [same] = await all(t, user);
    expect(same).toMatchObject({ id: m?.id, version: 1, text: m?.text });
  });

  it("lists entities with aliases and counts", async () => {
    const t = await newTenant();
    const user = uniq("u");
    await ingest(t, user, [
      { role: "user", name: "Caroline", content: "I went hiking with Melanie in Yosemite last weekend.", timestamp: DAY1 },
      { role: "user", name: "Caroline", content: "Melanie gave me a book about painting for my birthday.", timestamp: DAY1 },
    ]);
    const r = await api<{ entities: Array<{ name: string; memory_count: number }> }>(t, "GET", `/v1/entities?user_id=${user}`);
    expect(r.status).toBe(200);
    const byName = new Map(r.body.entities.map((e) => [e.name, e.memory_count]));
    expect(byName.get("Caroline")).toBe(2);
    expect(byName.get("Melanie")).toBe(2);
    expect(byName.get("Yosemite")).toBe(1);
    expect((await api(t, "GET", "/v1/entities")).status).toBe(400);
  });
});
