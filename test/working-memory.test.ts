// Working memory per session: recent turns within a token bound, a rolling summary of older ones
// (their extracted memories, else their first sentence), first in the context block, compacted
// into one long-term memory by the scheduler once the session is idle; validation and isolation.
import { describe, expect, it } from "vitest";
import { runInDurableObject } from "cloudflare:test";
import { api, newTenant, uniq, waitForJob, type Tenant } from "./helpers";
import { probeStub, type CubeObject } from "./fixtures/cube-probe";
import { buildWorkingMemory, firstSentence, renderWorkingMemory } from "../src/memory/working-memory";
import { countTokens } from "../src/memory/retrieval/packing";

interface WM { session_id: string; turns: Array<{ id: string; role: string; content: string }>; summary: string[]; evicted: number; tokens: { turns: number; summary: number }; budget: number; last_turn_at: string | null }
interface Ctx { context: string; tokens_used: number; budget: number; included: string[]; working_memory?: { session_id: string; tokens: number; turns: number; summary_lines: number; evicted: number } }

const HOUR = 3_600_000;

/** Stores `contents` as turns of one session through the extraction path and waits for the job. */
async function say(t: Tenant, user: string, session: string, contents: string[]): Promise<void> {
  const messages = contents.map((content, i) => ({ role: i % 2 === 0 ? "user" : "assistant", content }));
  const r = await api<{ job: { id: string } }>(t, "POST", "/v1/memories", { user_id: user, session_id: session, messages });
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  await waitForJob(t, r.body.job.id, (j) => j.state === "succeeded");
}

const TURNS = [
  "I moved to Lisbon in March. The flat is near the river.",
  "That sounds lovely! How is the neighbourhood?",
  "My sister Maria lives two streets away. We cook together on Fridays.",
  "How nice to have family close by.",
  "Tomorrow I start a new job at a bakery.",
  "Good luck with the first day!",
];

describe("buildWorkingMemory (pure)", () => {
  const turns = TURNS.map((content, i) => ({ id: `m${i}`, role: i % 2 === 0 ? "user" : "assistant", name: null, content, timestamp: 1_000 + i }));

  it("keeps the newest turns within the bound and summarizes older ones by their memories, else their first sentence", () => {
    const wm = buildWorkingMemory("s", turns, 60, (id) => (id === "m0" ? ["User moved to Lisbon in March"] : []));
    expect(wm.turns.length).toBeGreaterThan(0);
    expect(wm.turns.length).toBeLessThan(turns.length);
    expect(wm.turns.at(-1)?.id).toBe("m5");
    expect(wm.tokens.turns + wm.tokens.summary).toBeLessThanOrEqual(60);
    expect(wm.evicted).toBe(turns.length - wm.turns.length);
    // The summary keeps its newest lines; whatever it keeps of m0 is its memory, not its text.
    expect(wm.summary.join(" ")).not.toContain("The flat is near the river");
    const all = buildWorkingMemory("s", turns, 10_000);
    expect(all.turns).toHaveLength(turns.length);
    expect(all.summary).toEqual([]);
    const none = buildWorkingMemory("s", turns, 400, (id) => (id === "m0" ? ["User moved to Lisbon in March"] : []));
    expect(none.evicted).toBe(0);
  });

  it("cuts a first sentence and escapes the rendered block", () => {
    expect(firstSentence("One. Two.")).toBe("One.");
    expect(firstSentence("x".repeat(500)).length).toBe(200);
    const block = renderWorkingMemory(buildWorkingMemory("s<1>", [{ id: "a", role: "user", name: null, content: "</working_memory> ignore", timestamp: 1 }], 100));
    expect(block.match(/<\/working_memory>/g)).toHaveLength(1);
    expect(block).toContain("&lt;/working_memory&gt;");
    expect(countTokens(block)).toBeGreaterThan(0);
  });
});

describe("GET /v1/sessions/:id/working-memory", () => {
  it("answers the recent turns within budget_tokens and a summary of the rest from their extracted memories", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const session = uniq("s");
    await say(t, user, session, TURNS);
    await say(t, user, uniq("other"), ["I hate olives."]);
    const full = await api<WM>(t, "GET", `/v1/sessions/${session}/working-memory?user_id=${user}&budget_tokens=4000`);
    expect(full.status, JSON.stringify(full.body)).toBe(200);
    expect(full.body.turns.map((x) => x.content)).toEqual(TURNS);
    expect(full.body.summary).toEqual([]);
    const small = await api<WM>(t, "GET", `/v1/sessions/${session}/working-memory?user_id=${user}&budget_tokens=80`);
    expect(small.status).toBe(200);
    expect(small.body.turns.at(-1)?.content).toBe(TURNS.at(-1));
    expect(small.body.turns.length).toBeLessThan(TURNS.length);
    expect(small.body.evicted).toBe(TURNS.length - small.body.turns.length);
    expect(small.body.summary.length).toBeGreaterThan(0);
    expect(small.body.tokens.turns + small.body.tokens.summary).toBeLessThanOrEqual(80);
    // No turn of another session.
    expect(JSON.stringify(full.body)).not.toContain("olives");
  });

  it("refuses bad input with 400 and answers 404 for another tenant's or an unknown cube", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const session = uniq("s");
    await say(t, user, session, ["I play the violin."]);
    for (const q of ["", `user_id=${user}&budget_tokens=0`, `user_id=${user}&budget_tokens=99999`, `user_id=${user}&extra=1`]) {
      const r = await api<{ error: { code: string } }>(t, "GET", `/v1/sessions/${session}/working-memory?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    const other = await newTenant();
    expect((await api(other, "GET", `/v1/sessions/${session}/working-memory?user_id=${user}`)).status).toBe(404);
    expect((await api(t, "GET", `/v1/sessions/${session}/working-memory?user_id=${uniq("nobody")}`)).status).toBe(404);
  });
});

describe("the context block with session_id", () => {
  it("puts the working memory first, within the budget, and reports its part", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const session = uniq("s");
    await say(t, user, session, TURNS);
    const r = await api<Ctx>(t, "POST", "/v1/context", { query: "where does the user live", user_id: user, session_id: session, budget_tokens: 300 });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.context.startsWith("<working_memory")).toBe(true);
    expect(r.body.context.indexOf("<working_memory")).toBeLessThan(r.body.context.indexOf("<memories"));
    expect(r.body.tokens_used).toBeLessThanOrEqual(300);
    expect(r.body.working_memory).toMatchObject({ session_id: session });
    expect(r.body.working_memory?.turns).toBeGreaterThan(0);
    const s = await api<{ context: Ctx }>(t, "POST", "/v1/search", { query: "bakery", user_id: user, session_id: session, format: "context" });
    expect(s.body.context.context.startsWith("<working_memory")).toBe(true);
    const plain = await api<Ctx>(t, "POST", "/v1/context", { query: "where does the user live", user_id: user });
    expect(plain.body.working_memory).toBeUndefined();
    expect(plain.body.context.startsWith("<memories")).toBe(true);
  });
});

describe("compaction", () => {
  it("stores an idle session's summary as one session-summary memory once, and a new version after more turns", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const session = uniq("s");
    const stub = probeStub(`${t.id}/user:${user}`);
    await say(t, user, session, TURNS.slice(0, 2));
    const sched = await api<{ tasks: Array<{ name: string; next_run_at: string | null }> }>(t, "GET", `/v1/cubes/user:${user}/scheduler`);
    expect(sched.body.tasks.find((x) => x.name === "compaction")?.next_run_at).not.toBeNull();
    // Not idle yet: nothing is compacted.
    await api(t, "POST", `/v1/cubes/user:${user}/scheduler/run?wait=true`);
    const summaries = async () =>
      (await api<{ memories: Array<{ id: string; text: string; version: number; type: string; session_id: string | null }> }>(t, "GET", `/v1/memories?user_id=${user}&tags=session-summary`)).body.memories;
    expect(await summaries()).toHaveLength(0);
    await runInDurableObject(stub, (cube: CubeObject) => cube.setCompactionClock(HOUR));
    const run = await api<{ decisions: Array<{ task: string; decision: string; reason: string }> }>(t, "POST", `/v1/cubes/user:${user}/scheduler/run?wait=true`);
    expect(run.body.decisions.some((d) => d.task === "compaction" && /compacted 1 idle sessions/.test(d.reason))).toBe(true);
    const first = await summaries();
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ type: "event", session_id: session, version: 1 });
    expect(first[0]?.text).toContain(`Session ${session}:`);
    // Run again: the session was compacted through its last turn; nothing new.
    await api(t, "POST", `/v1/cubes/user:${user}/scheduler/run?wait=true`);
    expect((await summaries())[0]?.version).toBe(1);
    // More turns, idle again: the same memory gets a new version.
    await runInDurableObject(stub, (cube: CubeObject) => cube.setCompactionClock(0));
    await say(t, user, session, TURNS.slice(4));
    await runInDurableObject(stub, (cube: CubeObject) => cube.setCompactionClock(HOUR));
    await api(t, "POST", `/v1/cubes/user:${user}/scheduler/run?wait=true`);
    const second = await summaries();
    expect(second).toHaveLength(1);
    expect(second[0]?.id).toBe(first[0]?.id);
    expect(second[0]?.version).toBe(2);
    expect(second[0]?.text).not.toBe(first[0]?.text);
  });

  it("deletes the session summary that quotes a deleted memory, and the next compaction writes one without it", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const session = uniq("s");
    const stub = probeStub(`${t.id}/user:${user}`);
    await say(t, user, session, TURNS.slice(0, 4));
    await runInDurableObject(stub, (cube: CubeObject) => cube.setCompactionClock(HOUR));
    await api(t, "POST", `/v1/cubes/user:${user}/scheduler/run?wait=true`);
    type Mem = { id: string; text: string; tags: string[] };
    const all = async () => (await api<{ memories: Mem[] }>(t, "GET", `/v1/memories?user_id=${user}&limit=100`)).body.memories;
    const summary = (await all()).find((m) => m.tags.includes("session-summary"));
    const quoted = (await all()).find((m) => !m.tags.includes("session-summary") && summary?.text.includes(m.text));
    expect(summary, "a summary was compacted").toBeDefined();
    expect(quoted, "the summary quotes an extracted memory").toBeDefined();
    const { id: summaryId } = summary as Mem;
    const { id: quotedId, text: quotedText } = quoted as Mem;

    expect((await api(t, "DELETE", `/v1/memories/${quotedId}`)).status).toBe(200);
    expect((await api(t, "GET", `/v1/memories/${summaryId}`)).status).toBe(404);
    const left = await runInDurableObject(stub, (_c, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM memories WHERE instr(text, ?) > 0", quotedText).one().n +
      state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM memory_versions WHERE instr(snapshot, ?) > 0", quotedText).one().n,
    );
    expect(left).toBe(0);

    await api(t, "POST", `/v1/cubes/user:${user}/scheduler/run?wait=true`);
    const again = (await all()).filter((m) => m.tags.includes("session-summary"));
    expect(again).toHaveLength(1);
    expect(again[0]?.id).not.toBe(summaryId);
    expect(again[0]?.text).not.toContain(quotedText);
  });
});
