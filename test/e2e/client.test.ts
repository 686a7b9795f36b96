// The TypeScript client against a real `wrangler dev`: the main flows, typed errors, a key reused on retry, and the served document.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { useWrangler } from "./helpers";
import { clientFor, MemosError } from "./memos-client";

describe("@memos-edge/client against wrangler dev", () => {
  const server = useWrangler();

  it("adds, searches, gets, patches, shows history and deletes a memory", async () => {
    const dev = server();
    const client = clientFor(dev);
    const user = `client-${Date.now()}`;
    const added = await client.memories.add({ user_id: user, text: "Alice prefers green tea in the morning", infer: false });
    const memory = added.memories?.[0];
    expect(memory?.text).toBe("Alice prefers green tea in the morning");
    const id = memory!.id;

    const found = await client.search({ query: "what does alice drink", user_id: user, top_k: 5 });
    expect(found.results.map((r) => r.memory.id)).toContain(id);

    expect((await client.memories.get(id)).text).toBe("Alice prefers green tea in the morning");
    await client.memories.update(id, { text: "Alice prefers oolong in the morning", expected_version: 1 });
    expect((await client.memories.get(id)).text).toBe("Alice prefers oolong in the morning");

    const history = await client.memories.history(id);
    expect(history.versions.map((v) => v.memory.text)).toEqual(["Alice prefers green tea in the morning", "Alice prefers oolong in the morning"]);

    // The generic typed call over any path reaches the same route.
    const listed = await client.GET("/v1/memories", { params: { query: { user_id: user } } });
    expect(listed.data?.memories.map((m) => m.id)).toEqual([id]);

    expect(await client.memories.delete(id)).toEqual({ id, deleted: true });
    await expect(client.memories.get(id)).rejects.toMatchObject({ status: 404, code: "not_found" });
  });

  it("a 4xx is a MemosError with the code, the message, the details and the request id", async () => {
    const dev = server();
    const client = clientFor(dev);
    const error = await client.memories.update("mem_missing", { text: "x", expected_version: 1 }, { headers: { "X-Request-Id": "req-client-e2e-1" } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemosError);
    expect(error).toMatchObject({ status: 404, code: "not_found", requestId: "req-client-e2e-1" });

    const invalid = await client.search({ query: "   ", user_id: "alice" }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(MemosError);
    const e = invalid as MemosError;
    expect(e.status).toBe(400);
    expect(e.code).toBe("invalid_request");
    expect(e.requestId).toMatch(/.+/);
    expect(e.details).toBeDefined();

    const stranger = clientFor(dev, { apiKey: "mk_not_a_key" });
    await expect(stranger.cubes.list()).rejects.toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("reuses the Idempotency-Key when the first attempt reached the server but its answer was lost", async () => {
    const dev = server();
    const user = `client-retry-${Date.now()}`;
    const keys: string[] = [];
    let lost = false;
    // The first attempt is sent and answered, then fails as a dropped connection would.
    const lossy = async (request: Request) => {
      keys.push(request.headers.get("idempotency-key") ?? "");
      const response = await fetch(request);
      if (!lost) {
        lost = true;
        await response.body?.cancel();
        throw new TypeError("fetch failed: socket hang up");
      }
      return response;
    };
    const client = clientFor(dev, { fetch: lossy, retry: { baseDelayMs: 50 } });
    const added = await client.memories.add({ user_id: user, text: "Bob keeps his bike in the hallway", infer: false });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    const listed = await client.memories.list({ user_id: user });
    expect(listed.memories).toHaveLength(1);
    expect(listed.memories[0]?.id).toBe(added.memories?.[0]?.id);

    // Without the key, the same loss stores the memory twice: the key is what kept it once.
    lost = false;
    const unkeyed = clientFor(dev, { fetch: lossy, idempotencyKeys: false, retry: { baseDelayMs: 50 } });
    await expect(unkeyed.memories.add({ user_id: `${user}-b`, text: "Bob keeps his bike in the hallway", infer: false })).rejects.toThrow("socket hang up");
    await unkeyed.memories.add({ user_id: `${user}-b`, text: "Bob keeps his bike in the hallway", infer: false });
    expect((await client.memories.list({ user_id: `${user}-b` })).memories).toHaveLength(2);
  });

  it("the committed openapi.json is the document this Worker serves", async () => {
    const dev = server();
    const served: unknown = await (await fetch(`${dev.url}/v1/openapi.json`)).json();
    const committed: unknown = JSON.parse(readFileSync(new URL("../../packages/client/openapi.json", import.meta.url), "utf8"));
    expect(served).toEqual(committed);
  });
});
