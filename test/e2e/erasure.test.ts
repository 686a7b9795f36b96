// Deleting a cube erases its text from the files on disk, not only from its tables: a real
// `wrangler dev` writes markers, the cube is deleted, and every file of its Durable Object is read.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { call, useWrangler } from "./helpers";

const marker = () => `qzv${Math.floor(Math.random() * 1e12)}`;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** Files under `dir` whose bytes hold one of the markers' tails (index terms may be prefix-compressed). */
function filesHolding(dir: string, markers: readonly string[]): string[] {
  const tails = markers.map((m) => m.slice(-8));
  return files(dir).filter((f) => {
    const text = readFileSync(f).toString("latin1").toLowerCase();
    return tails.some((t) => text.includes(t));
  });
}

describe("erasure on disk", () => {
  const server = useWrangler();

  it("leaves no marker in any file of the cube's Durable Object once the cube is deleted", async () => {
    const dev = server();
    const user = `erase-${Date.now()}`;
    const m = [marker(), marker(), marker()];
    expect((await call(dev, "POST", "/v1/memories", { user_id: user, text: `Ann hides the key under ${m[0]}`, tags: [m[1]], infer: false }, { "idempotency-key": marker() })).status).toBe(201);
    const job = await call(dev, "POST", "/v1/memories", { user_id: user, sync: true, messages: [{ role: "user", name: "Ann", content: `I moved to ${m[2]} last May and adopted a cat.` }] });
    expect(job.status).toBe(201);
    for (let i = 0; i < 20; i++) await call(dev, "POST", "/v1/memories", { user_id: user, text: `note ${i} about ${m[0]} and the garden`, infer: false });
    // The outbox drains the catalog a moment after each write.
    await new Promise((r) => setTimeout(r, 1_500));
    const objects = path.join(dev.state, "v3", "do");
    expect(filesHolding(objects, m).length).toBeGreaterThan(0);

    const del = await call<{ deleted: boolean; memories: number }>(dev, "DELETE", `/v1/cubes/user:${user}`);
    expect(del.status).toBe(200);
    expect(del.body.deleted).toBe(true);
    expect(del.body.memories).toBeGreaterThan(1);
    // Stop wrangler so that everything it buffered is on disk before the files are read.
    await dev.stop();
    expect(filesHolding(objects, m)).toEqual([]);
  });
});
