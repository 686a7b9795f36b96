// The done-when path of issue 14 through the API: a skill mined from a conversation is published, approved, found, installed by another user, instantiated, and its version 2 is reported and installed.
import { describe, expect, it } from "vitest";
import { api, newTenant, uniq, type Tenant } from "./helpers";

interface Skill {
  id: string;
  name: string;
  version: number;
  origin: string;
  description: string;
  steps: Array<{ text: string }>;
  hub: { listing_id: string; source_cube_id: string; source_skill_id: string; source_version: number } | null;
}
interface Listing {
  id: string;
  kind: string;
  status: string;
  source: { version: number };
  content: { name?: string; steps?: Array<{ text: string }> };
  revision?: unknown;
}
interface Install {
  installed_id: string;
  installed_version: number;
  upgraded: boolean;
  update_available: boolean;
  upgrade_ready: boolean;
}

async function keyOf(admin: Tenant, scopes: string[], limits?: Record<string, string[]>): Promise<Tenant> {
  const r = await api<{ key: string }>(admin, "POST", "/v1/keys", { name: uniq("k"), scopes, ...(limits ? { limits } : {}) });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: admin.id, key: r.body.key, auth: { authorization: `Bearer ${r.body.key}` } };
}

/** Polls the user's skills until one is there (the extraction job, then the skill job, run on the queue). */
async function minedSkill(t: Tenant, user: string): Promise<Skill> {
  for (let i = 0; i < 150; i++) {
    const r = await api<{ skills: Skill[] }>(t, "GET", `/v1/skills?user_id=${user}`);
    const first = r.body.skills?.[0];
    if (first) return first;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error("no skill was mined from the conversation");
}

const CONVERSATION = [
  { role: "user", content: "Can you walk me through rotating the API key for the billing service?" },
  { role: "assistant", content: "Sure. First, open the admin console and go to Settings > API keys." },
  { role: "assistant", content: "Then click Generate new key for the billing service and copy it." },
  { role: "assistant", content: "Next, update the BILLING_API_KEY secret in the deploy pipeline." },
  { role: "assistant", content: "Finally, redeploy the billing service and revoke the old key." },
  { role: "user", content: "Done, that worked. Thanks!" },
];

describe("hub: skills shared within a tenant", () => {
  it("takes a mined skill from publish to another user's install, instantiation, and upgrade to version 2", async () => {
    const admin = await newTenant(["admin"]);
    const [a, b] = [uniq("alice"), uniq("bob")];
    const rw = ["memories:read", "memories:write"];
    const alice = await keyOf(admin, rw, { user_ids: [a] });
    const bob = await keyOf(admin, rw, { user_ids: [b] });
    const approver = await keyOf(admin, ["memories:read", "hub:admin"]);

    expect((await api(alice, "POST", "/v1/memories", { user_id: a, messages: CONVERSATION })).status).toBe(202);
    const skill = await minedSkill(alice, a);
    expect(skill.steps.length).toBeGreaterThanOrEqual(3);

    const pub = await api<Listing>(alice, "POST", "/v1/hub/listings", { kind: "skill", cube_id: `user:${a}`, id: skill.id, visibility: { tenant: true } });
    expect(pub.status, JSON.stringify(pub.body)).toBe(201);
    expect(pub.body).toMatchObject({ kind: "skill", status: "pending", source: { version: 1 }, content: { name: skill.name } });
    expect((await api<{ results: unknown[] }>(bob, "POST", "/v1/hub/search", { query: "rotate the billing API key", kind: "skill" })).body.results).toEqual([]);
    expect((await api<Listing>(approver, "POST", `/v1/hub/listings/${pub.body.id}/approve`, {})).body.status).toBe("approved");

    const found = await api<{ results: Array<{ listing: Listing }> }>(bob, "POST", "/v1/hub/search", { query: "rotate the billing API key", kind: "skill" });
    expect(found.body.results.map((r) => r.listing.id)).toEqual([pub.body.id]);
    // A memory-only search does not answer the skill.
    expect((await api<{ results: unknown[] }>(bob, "POST", "/v1/hub/search", { query: "rotate the billing API key", kind: "memory" })).body.results).toEqual([]);

    const inst = await api<Install>(bob, "POST", `/v1/hub/listings/${pub.body.id}/install`, { user_id: b });
    expect(inst.status, JSON.stringify(inst.body)).toBe(201);
    const again = await api<Install>(bob, "POST", `/v1/hub/listings/${pub.body.id}/install`, { user_id: b });
    expect(again.status).toBe(200);
    expect(again.body.installed_id).toBe(inst.body.installed_id);
    const bobs = (await api<{ skills: Skill[] }>(bob, "GET", `/v1/skills?user_id=${b}`)).body.skills;
    expect(bobs).toHaveLength(1);
    expect(bobs[0]).toMatchObject({ id: inst.body.installed_id, origin: "hub", version: 1, hub: { listing_id: pub.body.id, source_cube_id: `user:${a}`, source_skill_id: skill.id, source_version: 1 } });
    const run = await api<{ steps: Array<{ text: string }> }>(bob, "POST", `/v1/skills/${inst.body.installed_id}/instantiate`, { params: {} });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body.steps.map((s) => s.text)).toEqual(skill.steps.map((s) => s.text));

    // Version 2 of Alice's skill, re-published: Bob's install reports it, and installs it once approved.
    const v2 = await api<Skill>(alice, "PATCH", `/v1/skills/${skill.id}`, { description: "Rotate the billing service's API key without downtime." });
    expect(v2.status, JSON.stringify(v2.body)).toBe(200);
    expect(v2.body.version).toBe(2);
    const re = await api<Listing>(alice, "POST", "/v1/hub/listings", { kind: "skill", cube_id: `user:${a}`, id: skill.id, visibility: { tenant: true } });
    expect(re.body).toMatchObject({ id: pub.body.id, status: "approved", source: { version: 1 }, revision: { status: "pending", source: { version: 2 } } });
    let installs = (await api<{ installs: Install[] }>(bob, "GET", `/v1/hub/installs?user_id=${b}`)).body.installs;
    expect(installs).toMatchObject([{ installed_version: 1, update_available: true, upgrade_ready: false }]);
    await api(approver, "POST", `/v1/hub/listings/${pub.body.id}/approve`, {});
    installs = (await api<{ installs: Install[] }>(bob, "GET", `/v1/hub/installs?user_id=${b}`)).body.installs;
    expect(installs).toMatchObject([{ update_available: true, upgrade_ready: true }]);
    const up = await api<Install>(bob, "POST", `/v1/hub/listings/${pub.body.id}/install`, { user_id: b });
    expect(up.body).toMatchObject({ installed_id: inst.body.installed_id, installed_version: 2, upgraded: true });
    const upgraded = await api<Skill>(bob, "GET", `/v1/skills/${inst.body.installed_id}`);
    expect(upgraded.body).toMatchObject({ version: 2, description: "Rotate the billing service's API key without downtime.", hub: { source_version: 2 } });
    installs = (await api<{ installs: Install[] }>(bob, "GET", `/v1/hub/installs?user_id=${b}`)).body.installs;
    expect(installs).toMatchObject([{ installed_version: 2, update_available: false }]);
  }, 60_000);

  it("takes a deleted skill's listing out of the hub, and keeps the copy another user installed", async () => {
    const admin = await newTenant(["admin"]);
    const [a, b] = [uniq("alice"), uniq("bob")];
    const up = await api<{ skill: Skill }>(admin, "POST", "/v1/skills", { user_id: a, skill: { name: "drain-the-queue", description: "Drain the job queue before a deploy", steps: [{ text: "Pause the consumers" }, { text: "Wait for the queue to empty" }] } });
    const pub = await api<Listing>(admin, "POST", "/v1/hub/listings", { kind: "skill", cube_id: `user:${a}`, id: up.body.skill.id, visibility: { tenant: true } });
    await api(admin, "POST", `/v1/hub/listings/${pub.body.id}/approve`, {});
    const inst = await api<Install>(admin, "POST", `/v1/hub/listings/${pub.body.id}/install`, { user_id: b });
    expect(inst.status).toBe(201);
    expect((await api(admin, "DELETE", `/v1/skills/${up.body.skill.id}`)).status).toBe(200);
    expect((await api(admin, "GET", `/v1/hub/listings/${pub.body.id}`)).status).toBe(404);
    expect((await api<{ results: unknown[] }>(admin, "POST", "/v1/hub/search", { query: "drain the job queue" })).body.results).toEqual([]);
    const installs = (await api<{ installs: Array<{ listing_status: string; update_available: boolean }> }>(admin, "GET", `/v1/hub/installs?user_id=${b}`)).body.installs;
    expect(installs).toMatchObject([{ listing_status: "removed", update_available: false }]);
    expect((await api(admin, "GET", `/v1/skills/${inst.body.installed_id}`)).status).toBe(200);
  });

  it("refuses to publish a skill that is not there, of another tenant, or of a cube the caller cannot write", async () => {
    const admin = await newTenant(["admin"]);
    const other = await newTenant(["admin"]);
    const [a, b] = [uniq("alice"), uniq("bob")];
    const bob = await keyOf(admin, ["memories:read", "memories:write"], { user_ids: [b] });
    const up = await api<{ skill: Skill }>(admin, "POST", "/v1/skills", { user_id: a, skill: { name: "restart-the-worker", description: "Restart the worker safely", steps: [{ text: "Drain the queue" }, { text: "Restart the worker" }] } });
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const body = (id: string) => ({ kind: "skill", cube_id: `user:${a}`, id, visibility: { tenant: true } });
    expect((await api<{ error: { code: string } }>(admin, "POST", "/v1/hub/listings", body("skl_nope"))).body.error.code).toBe("not_found");
    expect((await api(other, "POST", "/v1/hub/listings", body(up.body.skill.id))).status).toBe(404);
    expect((await api(bob, "POST", "/v1/hub/listings", body(up.body.skill.id))).status).toBe(404);
    // A memory id given as a skill (and the reverse) is not found either.
    const mem = await api<{ memories: Array<{ id: string }> }>(admin, "POST", "/v1/memories", { user_id: a, text: "a memory", infer: false });
    expect((await api(admin, "POST", "/v1/hub/listings", body(mem.body.memories[0]?.id as string))).status).toBe(404);
    expect((await api(admin, "POST", "/v1/hub/listings", { ...body(up.body.skill.id), kind: "memory" })).status).toBe(404);
    expect((await api<{ listings: unknown[] }>(admin, "GET", "/v1/hub/listings")).body.listings).toEqual([]);
  });
});
