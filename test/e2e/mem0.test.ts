// The real `mem0ai` MemoryClient against /mem0 on a real `wrangler dev`: every platform call it makes, errors, scopes and tenants.
import { describe, expect, it, vi } from "vitest";
// @ts-expect-error: plain ESM helper shared with `npm run dev`, no type declarations
import { ensureDevVars } from "../../scripts/dev-lib.mjs";
import { call, useWrangler, type Dev } from "./helpers";

// Telemetry is read once, when the module loads: it must be off before the import.
process.env.MEM0_TELEMETRY = "false";
const mem0 = await import("mem0ai");
const { MemoryClient, AuthenticationError, MemoryNotFoundError, ValidationError } = mem0;
type Memory = import("mem0ai").Memory;

/** What add answers: the memories stored, or the queued event. */
interface Added {
  results: Memory[];
  status: string;
  eventId?: string;
}

const clientOf = (dev: Dev, apiKey = dev.key) => new MemoryClient({ apiKey, host: `${dev.url}/mem0` });

/** A key of a new tenant, with the given scopes. */
async function otherTenantKey(dev: Dev, scopes: string[]): Promise<string> {
  const { ADMIN_TOKEN } = ensureDevVars() as { ADMIN_TOKEN: string };
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const tenant = await call<{ id: string }>(dev, "POST", "/v1/admin/tenants", { name: `mem0-${Date.now()}-${scopes.length}` }, admin);
  expect(tenant.status).toBe(201);
  const key = await call<{ key: string }>(dev, "POST", `/v1/admin/tenants/${tenant.body.id}/keys`, { name: "mem0", scopes }, admin);
  expect(key.status).toBe(201);
  return key.body.key;
}

describe("mem0ai MemoryClient against /mem0 on wrangler dev", () => {
  const server = useWrangler();

  it("pings, adds (infer false), searches with filters, lists, gets, updates, shows history, lists users and deletes", async () => {
    const dev = server();
    const client = clientOf(dev);
    await client.ping();
    const user = `mem0-${Date.now()}`;

    const added = (await client.add([{ role: "user", content: "Alice prefers green tea in the morning" }], {
      userId: user,
      agentId: "tutor",
      runId: "session-1",
      infer: false,
      metadata: { source: "e2e" },
    })) as unknown as Added;
    expect(added.status).toBe("SUCCEEDED");
    const first = added.results[0];
    expect(first).toMatchObject({ memory: "Alice prefers green tea in the morning", userId: user, agentId: "tutor", runId: "session-1", event: "ADD" });
    expect(first?.metadata).toMatchObject({ source: "e2e" });
    const id = first!.id;

    const found = await client.search("what does alice drink", { filters: { AND: [{ user_id: user }, { agent_id: "tutor" }] }, topK: 5 });
    expect(found.results.map((r) => r.id)).toContain(id);
    expect(typeof found.results[0]?.score).toBe("number");
    expect((await client.search("what does alice drink", { filters: { user_id: user, agent_id: "someone-else" } })).results).toEqual([]);
    expect((await client.search("tea", { filters: { user_id: `${user}-nobody` } })).results).toEqual([]);

    const all = await client.getAll({ filters: { user_id: user } });
    expect(all.count).toBe(1);
    expect(all.results.map((m) => m.id)).toEqual([id]);
    expect(all.next).toBeNull();

    const got = await client.get(id);
    expect(got).toMatchObject({ id, memory: "Alice prefers green tea in the morning", userId: user, runId: "session-1" });
    expect(typeof got.createdAt).toBe("string");

    const updated = (await client.update(id, { text: "Alice prefers oolong in the morning" })) as unknown as Memory;
    expect(updated.memory).toBe("Alice prefers oolong in the morning");
    expect((await client.get(id)).memory).toBe("Alice prefers oolong in the morning");

    const history = await client.history(id);
    expect(history.map((h) => h.event)).toEqual(["ADD", "UPDATE"]);
    expect(history[1]).toMatchObject({ memoryId: id, oldMemory: "Alice prefers green tea in the morning", newMemory: "Alice prefers oolong in the morning" });

    const users = await client.users();
    expect(users.results).toContainEqual(expect.objectContaining({ name: user, type: "user", totalMemories: 1 }));

    expect(await client.delete(id)).toEqual({ message: "Memory deleted successfully!" });
    await expect(client.get(id)).rejects.toBeInstanceOf(MemoryNotFoundError);

    expect(await client.deleteUsers({ userId: user })).toEqual({ message: "Entity deleted successfully." });
    expect((await client.users()).results.map((u) => u.name)).not.toContain(user);
  });

  it("adds messages for extraction (a queued event, and async_mode false), and deletes all of a user's memories", async () => {
    const dev = server();
    const client = clientOf(dev);
    const user = `mem0-infer-${Date.now()}`;

    const queued = (await client.add([{ role: "user", content: "I moved to Lisbon last May and adopted a cat." }], { userId: user })) as unknown as Added;
    expect(["PENDING", "RUNNING", "SUCCEEDED"]).toContain(queued.status);
    expect(queued.eventId).toMatch(/.+/);
    let status = queued.status;
    for (let i = 0; i < 60 && status !== "SUCCEEDED" && status !== "FAILED"; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const event = await fetch(`${dev.url}/mem0/v1/event/${queued.eventId}/`, { headers: { authorization: `Token ${dev.key}` } });
      status = ((await event.json()) as { status: string }).status;
    }
    expect(status).toBe("SUCCEEDED");

    const sync = (await client.add([{ role: "user", content: "I work as a nurse in Porto." }], { userId: user, runId: "s2", async_mode: false })) as unknown as Added;
    expect(sync.results.length).toBeGreaterThan(0);
    expect(sync.results.every((m) => m.userId === user)).toBe(true);

    const before = await client.getAll({ filters: { user_id: user }, page: 1, pageSize: 1 });
    expect(before.results).toHaveLength(1);
    expect(before.next).toMatch(/page=2/);
    expect((await client.getAll({ filters: { user_id: user } })).count).toBeGreaterThan(1);

    expect(await client.deleteAll({ userId: user, runId: "s2" })).toMatchObject({ message: "Memories deleted successfully!" });
    const left = await client.getAll({ filters: { user_id: user } });
    expect(left.results.length).toBeGreaterThan(0);
    expect(left.results.every((m) => m.runId !== "s2")).toBe(true);
    await client.deleteAll({ userId: user });
    expect((await client.getAll({ filters: { user_id: user } })).results).toEqual([]);
  });

  it("refuses a bad key, unsupported filters and a read-only key's writes; another tenant's memory is unreachable", async () => {
    const dev = server();
    // The client pings on construction and only logs a refusal; every call after it is refused.
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const stranger = clientOf(dev, "mk_not_a_key");
    await expect(stranger.ping()).rejects.toBeInstanceOf(AuthenticationError);
    await vi.waitFor(() => expect(logged).toHaveBeenCalledWith("Failed to initialize client:", expect.any(AuthenticationError)));
    logged.mockRestore();
    await expect(stranger.getAll({ filters: { user_id: "alice" } })).rejects.toBeInstanceOf(AuthenticationError);

    const client = clientOf(dev);
    await expect(client.search("tea", { filters: { OR: [{ user_id: "a" }, { user_id: "b" }] } })).rejects.toBeInstanceOf(ValidationError);
    await expect(client.add([{ role: "user", content: "no user" }], { agentId: "tutor", infer: false })).rejects.toBeInstanceOf(ValidationError);

    const user = `mem0-tenant-${Date.now()}`;
    const added = (await client.add([{ role: "user", content: "Bob keeps his bike in the cellar" }], { userId: user, infer: false })) as unknown as Added;
    const id = added.results[0]!.id;

    const other = clientOf(dev, await otherTenantKey(dev, ["memories:read", "memories:write"]));
    await other.ping();
    await expect(other.get(id)).rejects.toBeInstanceOf(MemoryNotFoundError);
    await expect(other.delete(id)).rejects.toBeInstanceOf(MemoryNotFoundError);
    expect((await other.search("bike", { filters: { user_id: user } })).results).toEqual([]);
    expect((await other.getAll({ filters: { user_id: user } })).results).toEqual([]);
    expect((await client.get(id)).memory).toBe("Bob keeps his bike in the cellar");

    const reader = clientOf(dev, await otherTenantKey(dev, ["memories:read"]));
    await expect(reader.add([{ role: "user", content: "x" }], { userId: "u", infer: false })).rejects.toMatchObject({ errorCode: "HTTP_403" });
    expect((await reader.getAll({ filters: { user_id: "u" } })).results).toEqual([]);
  });
});
