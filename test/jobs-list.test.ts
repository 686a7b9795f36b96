// GET /v1/jobs: the tenant's jobs newest first, filters, cursor paging, key limits and tenant isolation.
import { describe, expect, it } from "vitest";
import { api, newTenant, storedJob, uniq, type Tenant } from "./helpers";
import { JOB_LIST_SCAN, listJobs, type JobCursor } from "../src/services/jobs";
import type { Deps } from "../src/services/deps";
import type { JobRecord } from "../src/memory/cube-contract";

interface ListedJob {
  id: string;
  cube_id: string;
  state: string;
  created_at: string;
}
type Page = { jobs: ListedJob[]; next_cursor: string | null };

/** An extraction run inline: a succeeded job in the user's cube. */
async function syncJob(t: Tenant, user: string): Promise<string> {
  const r = await api<{ job: { id: string } }>(t, "POST", "/v1/memories", { user_id: user, text: `I like the colour ${uniq("c")}.`, sync: true });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.job.id;
}

async function limitedKey(admin: Tenant, limits: Record<string, string[]>): Promise<Tenant> {
  const r = await api<{ key: string }>(admin, "POST", "/v1/keys", { name: uniq("limited"), scopes: ["memories:read"], limits });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: admin.id, key: r.body.key, auth: { authorization: `Bearer ${r.body.key}` } };
}

describe("GET /v1/jobs", () => {
  it("lists the tenant's jobs newest first with their states read from the cubes", async () => {
    const t = await newTenant();
    const [a, b] = [uniq("u"), uniq("u")];
    const first = await syncJob(t, a);
    const queued = (await storedJob(t, b)).jobId;
    const last = await syncJob(t, a);
    const r = await api<Page>(t, "GET", "/v1/jobs");
    expect(r.status).toBe(200);
    const ids = r.body.jobs.map((j) => j.id);
    // storedJob adds a memory first (no job), so the three jobs are all there is.
    expect(ids).toEqual([last, queued, first]);
    expect(r.body.jobs.map((j) => j.state)).toEqual(["succeeded", "queued", "succeeded"]);
    expect(r.body.jobs[1]?.cube_id).toBe(`user:${b}`);
    expect(r.body.next_cursor).toBeNull();
  });

  it("filters by cube, state and kind", async () => {
    const t = await newTenant();
    const [a, b] = [uniq("u"), uniq("u")];
    const done = await syncJob(t, a);
    const queued = (await storedJob(t, b)).jobId;
    const ofA = await api<Page>(t, "GET", `/v1/jobs?cube_id=${encodeURIComponent(`user:${a}`)}`);
    expect(ofA.body.jobs.map((j) => j.id)).toEqual([done]);
    const q = await api<Page>(t, "GET", "/v1/jobs?state=queued");
    expect(q.body.jobs.map((j) => j.id)).toEqual([queued]);
    const s = await api<Page>(t, "GET", "/v1/jobs?state=succeeded&kind=extract");
    expect(s.body.jobs.map((j) => j.id)).toEqual([done]);
    const none = await api<Page>(t, "GET", "/v1/jobs?state=failed");
    expect(none.body).toEqual({ jobs: [], next_cursor: null });
  });

  it("pages by cursor without repeating or losing a job", async () => {
    const t = await newTenant();
    const user = uniq("u");
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push(await syncJob(t, user));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { status: number; body: Page } = await api<Page>(t, "GET", `/v1/jobs?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(r.status).toBe(200);
      expect(r.body.jobs.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.jobs.map((j) => j.id));
      cursor = r.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...made].reverse());
  });

  it("never lists another tenant's jobs, and refuses another tenant's cube as if absent", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const user = uniq("u");
    const theirs = await syncJob(other, user);
    const mine = await syncJob(t, uniq("u"));
    const r = await api<Page>(t, "GET", "/v1/jobs");
    expect(r.body.jobs.map((j) => j.id)).toEqual([mine]);
    expect(JSON.stringify(r.body)).not.toContain(theirs);
    const cube = await api<{ error: { code: string } }>(t, "GET", `/v1/jobs?cube_id=${encodeURIComponent(`user:${user}`)}`);
    expect(cube.status).toBe(404);
    expect(cube.body.error.code).toBe("not_found");
  });

  it("shows a limited key only the jobs of cubes within its reach", async () => {
    const admin = await newTenant(["admin"]);
    const [alice, bob] = [uniq("alice"), uniq("bob")];
    const ofAlice = await syncJob(admin, alice);
    const ofBob = await syncJob(admin, bob);
    const key = await limitedKey(admin, { user_ids: [alice] });
    const r = await api<Page>(key, "GET", "/v1/jobs");
    expect(r.status).toBe(200);
    expect(r.body.jobs.map((j) => j.id)).toEqual([ofAlice]);
    expect(JSON.stringify(r.body)).not.toContain(ofBob);
    const bobs = await api<{ error: { code: string } }>(key, "GET", `/v1/jobs?cube_id=${encodeURIComponent(`user:${bob}`)}`);
    expect(bobs.status).toBe(404);
  });

  it("refuses bad input with 400 invalid_request and a key without memories:read with 403", async () => {
    const t = await newTenant();
    for (const q of ["state=done", "kind=mine", "limit=0", "limit=101", "cursor=not-a-cursor", "colour=red"]) {
      const r = await api<{ error: { code: string } }>(t, "GET", `/v1/jobs?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe("invalid_request");
    }
    const writer = await newTenant(["memories:write"]);
    const w = await api<{ error: { code: string } }>(writer, "GET", "/v1/jobs");
    expect(w.status).toBe(403);
    expect(w.body.error.code).toBe("forbidden");
  });
});

describe("listJobs: a filtered page reads a bounded number of rows", () => {
  /** 500 registered jobs of one cube, newest first by id; only every 100th has failed. Counts the rows read and the cube calls. */
  function fakeDeps() {
    const rows = Array.from({ length: 500 }, (_, i) => ({ id: `job_${String(500 - i).padStart(4, "0")}`, cube_id: "user:a", created_at: 1_000 + 500 - i }));
    const calls = { rows: 0, cube: 0 };
    const deps = {
      jobs: {
        list: async (_tenant: string, q: { before: JobCursor | null; limit: number }) => {
          const from = q.before ? rows.findIndex((r) => r.created_at < (q.before as JobCursor).t) : 0;
          const page = from < 0 ? [] : rows.slice(from, from + q.limit);
          calls.rows += page.length;
          return page;
        },
      },
      cube: () => ({
        getJobs: async (_identity: unknown, ids: string[]) => {
          calls.cube++;
          const jobs = ids.map((id): JobRecord => {
            const n = Number(id.slice(4));
            return { id, kind: "extract", mode: "fast", state: n % 100 === 0 ? "failed" : "succeeded", attempts: 1, error: null, result: null, message_ids: [], created_at: n, updated_at: n };
          });
          return { ok: true as const, value: jobs };
        },
      }),
    } as unknown as Deps;
    return { deps, calls };
  }

  it("stops after JOB_LIST_SCAN rows with a cursor to go on, and the next request resumes there", async () => {
    const { deps, calls } = fakeDeps();
    const who = { tenant_id: "t", key_id: "k", limits: null };
    const first = await listJobs(deps, who, { state: "failed", limit: 10, before: null });
    expect(calls.rows).toBe(JOB_LIST_SCAN);
    // Rows 500 down to 301 were read: two failed among them, fewer than the limit, and more to look at.
    expect(first.jobs.map((j) => j.job.id)).toEqual(["job_0500", "job_0400"]);
    expect(first.next_cursor).toEqual({ t: 1_000 + 301, id: "job_0301" });
    const second = await listJobs(deps, who, { state: "failed", limit: 10, before: first.next_cursor });
    expect(second.jobs.map((j) => j.job.id)).toEqual(["job_0300", "job_0200"]);
    const third = await listJobs(deps, who, { state: "failed", limit: 10, before: second.next_cursor });
    expect(third.jobs.map((j) => j.job.id)).toEqual(["job_0100"]);
    expect(third.next_cursor).toBeNull();
    expect(calls.rows).toBe(500);
  });

  it("without a filter reads exactly the page asked for, with one cube call for the jobs of one cube", async () => {
    const { deps, calls } = fakeDeps();
    const page = await listJobs(deps, { tenant_id: "t", key_id: "k", limits: null }, { limit: 7, before: null });
    expect(page.jobs).toHaveLength(7);
    expect(calls.rows).toBe(7);
    // The page's jobs all live in one cube: one call reads them.
    expect(calls.cube).toBe(1);
    // The cursor is the last row's registration time and id.
    expect(page.next_cursor).toEqual({ t: 1_000 + 494, id: "job_0494" });
  });
});
