// The add flow against fakes of its narrow Deps, no bindings: the registration order and the
// job hand-off can be checked without D1, a queue or a cube object.
import { describe, expect, it } from "vitest";
import { addMemoriesBody } from "../../src/api/schemas";
import { addMemories } from "../../src/services/add-memories";
import type { Deps } from "../../src/services/deps";
import type { CubeRpc } from "../../src/services/cubes";
import type { CubeIdentity, CubeResult } from "../../src/memory/cube-contract";
import type { JobMessage } from "../../src/jobs/messages";
import { LocalEmbedder } from "../../src/providers/embedder-local";

function fakeDeps(cube: Partial<CubeRpc>) {
  const registered: string[] = [];
  const queued: JobMessage[] = [];
  const jobs: string[] = [];
  const deps: Deps = {
    cube: () => cube as CubeRpc,
    registry: {
      exists: async () => false,
      register: async (identity: CubeIdentity) => (registered.push(identity.cube_id), true),
      get: async () => null,
      ofRef: async () => null,
      list: async () => [],
      owned: async () => [],
      countAfter: async () => 0,
      remove: async () => {},
    },
    catalog: { cubeOf: async () => null, list: async () => ({ rows: [], last: null }), removeCube: async () => {} },
    jobs: {
      register: async (_i, id) => void jobs.push(id),
      unregister: async (_i, id) => void jobs.splice(jobs.indexOf(id), 1),
      locate: async () => null,
      removeCube: async () => {},
      enqueue: async (m) => void queued.push(m),
    },
    embedder: new LocalEmbedder(),
    llm: null,
    vectorIndex: null,
    watermarks: {
      issue: async () => "mw1",
      read: async () => ({ valid: [], forged: 0 }),
    },
    grants: {
      onCube: async () => [],
      all: async () => [],
      history: async () => [],
      received: async () => [],
      grant: async () => {
        throw new Error("not used");
      },
      revoke: async () => null,
      removeCube: async () => {},
    },
  };
  return { deps, registered, queued, jobs };
}

/** A key of tenant tnt_a that reaches its whole tenant. */
const tenantA = { tenant_id: "tnt_a", key_id: "key_a", limits: null };

const refused: CubeResult<never> = { ok: false, error: { code: "not_found", message: "cube is being deleted" } };

describe("the add flow", () => {
  it("registers a user's cube after the cube accepted the write, and never when it refused", async () => {
    // The cube masks texts before the Worker embeds them; this fake cube masks nothing.
    const maskTexts = async (_identity: unknown, texts: unknown) => ({ ok: true as const, value: { mode: "off" as const, texts: texts as string[] } });
    const accepting = fakeDeps({ maskTexts, addMemories: async () => ({ ok: true, value: { memories: [] } }) });
    await addMemories(accepting.deps, tenantA, addMemoriesBody.parse({ user_id: "ann", text: "Ann drinks tea", infer: false }), undefined);
    expect(accepting.registered).toEqual(["user:ann"]);

    const refusing = fakeDeps({ maskTexts, addMemories: async () => refused });
    await expect(addMemories(refusing.deps, tenantA, addMemoriesBody.parse({ user_id: "ann", text: "Ann drinks tea", infer: false }), undefined)).rejects.toMatchObject({ code: "not_found" });
    expect(refusing.registered).toEqual([]);
  });

  it("queues a job the cube stored, and unregisters one it refused", async () => {
    const job = { id: "", kind: "extract" as const, mode: "fast" as const, state: "queued" as const, attempts: 0, error: null, result: null, message_ids: [], created_at: 0, updated_at: 0 };
    const stored = fakeDeps({ addMessages: async (raw: unknown) => ({ ok: true, value: { job: { ...job, id: (raw as { job_id: string }).job_id }, replayed: 0 } }) });
    const out = await addMemories(stored.deps, tenantA, addMemoriesBody.parse({ user_id: "ann", messages: [{ role: "user", content: "I moved to Lisbon." }] }), undefined);
    expect(out.outcome.kind).toBe("job");
    expect(stored.queued.map((m) => m.job_id)).toEqual(stored.jobs);

    const refusing = fakeDeps({ addMessages: async () => refused });
    await expect(addMemories(refusing.deps, tenantA, addMemoriesBody.parse({ user_id: "ann", messages: [{ role: "user", content: "I moved to Lisbon." }] }), undefined)).rejects.toMatchObject({ code: "not_found" });
    expect(refusing.jobs).toEqual([]);
    expect(refusing.queued).toEqual([]);
  });
});
