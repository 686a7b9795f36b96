// Training jobs: a trainer command or an HTTP trainer, job states, adapter registered on success.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningBridge } from "../src/server.js";
import { startStandin, json } from "./standins/server.js";
import { startVllm } from "./standins/vllm.js";
import { bridgeOver, call, nodes, q, scope, tempDir } from "./helpers.js";
import type { ErrorBody } from "./helpers.js";

interface JobBody {
  job: { id: string; state: string; error: string | null; adapter: { name: string; source: string; job_id: string } | null };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** A trainer script: reads the spec, checks it, prints the result JSON last (or fails). */
function trainerScript(mode: "ok" | "fail"): string {
  const path = join(tempDir(), "trainer.mjs");
  writeFileSync(
    path,
    `import { readFileSync } from "node:fs";
const spec = JSON.parse(readFileSync(process.argv.at(-1), "utf8"));
if (${JSON.stringify(mode)} === "fail") { console.error("CUDA out of memory"); process.exit(3); }
console.log("training " + spec.dataset.texts.length + " examples");
console.log(JSON.stringify({ adapter_path: "/adapters/" + spec.adapter_name + "-" + process.env.BRIDGE_JOB_ID + "-" + spec.hyperparameters.rank }));
`,
  );
  return path;
}

async function waitFor(b: RunningBridge, id: string, state: string): Promise<JobBody["job"]> {
  for (let i = 0; i < 100; i++) {
    const r = await call<JobBody>(b, "GET", `/v1/training-jobs/${id}?${q}`);
    if (r.body.job.state === state) return r.body.job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} never reached ${state}`);
}

const trainReq = { ...scope, adapter_name: "alice-v1", base_model: "llama-3-8b", dataset: { texts: ["Alice likes tea.", "Alice lives in Lyon."] }, hyperparameters: { rank: 8 } };

async function bridgeWith(trainer: { command?: string[]; url?: string }): Promise<RunningBridge> {
  const v = await startVllm();
  const b = await bridgeOver(nodes({ id: "gpu-a", backend: "vllm", url: v.url, models: ["llama-3-8b"], budget_bytes: 1e9 }), {
    trainer: { ...trainer, timeoutMs: 10_000 },
  });
  closers.push(() => v.close(), () => b.close());
  return b;
}

describe("training jobs", () => {
  it("runs the trainer command with the spec and registers the adapter it reports", async () => {
    const b = await bridgeWith({ command: [process.execPath, trainerScript("ok")] });
    const r = await call<JobBody>(b, "POST", "/v1/training-jobs", trainReq);
    expect(r.status).toBe(202);
    expect(r.body.job.state).toBe("running");
    const job = await waitFor(b, r.body.job.id, "succeeded");
    expect(job.adapter).toMatchObject({ name: "alice-v1", source: `/adapters/alice-v1-${r.body.job.id}-8`, job_id: r.body.job.id });
    const adapters = await call<{ adapters: { name: string }[] }>(b, "GET", `/v1/adapters?${q}`);
    expect(adapters.body.adapters.map((a) => a.name)).toEqual(["alice-v1"]);
    // The registered adapter can be loaded like any other.
    expect((await call(b, "POST", "/v1/adapters/alice-v1/load", scope)).status).toBe(200);
  });

  it("marks the job failed with the trainer's error output when the command fails", async () => {
    const b = await bridgeWith({ command: [process.execPath, trainerScript("fail")] });
    const r = await call<JobBody>(b, "POST", "/v1/training-jobs", trainReq);
    const job = await waitFor(b, r.body.job.id, "failed");
    expect(job.error).toContain("exited with 3");
    expect(job.error).toContain("CUDA out of memory");
    expect((await call<{ adapters: unknown[] }>(b, "GET", `/v1/adapters?${q}`)).body.adapters).toEqual([]);
  });

  it("hands the job to an HTTP trainer and completes it from the signed callback, once", async () => {
    const trainer = await startStandin((_req, res) => json(res, 202, { accepted: true }));
    closers.push(() => trainer.close());
    const b = await bridgeWith({ url: `${trainer.url}/jobs` });
    const r = await call<JobBody>(b, "POST", "/v1/training-jobs", trainReq);
    await new Promise((res) => setTimeout(res, 100));
    expect(trainer.sent("/jobs")[0]?.body).toEqual({
      job_id: r.body.job.id,
      adapter_name: "alice-v1",
      base_model: "llama-3-8b",
      dataset: trainReq.dataset,
      hyperparameters: { rank: 8 },
    });
    const done = await call<JobBody>(b, "POST", `/v1/training-jobs/${r.body.job.id}/complete`, { status: "succeeded", adapter_path: "s3://bucket/alice-v1" });
    expect(done.status).toBe(200);
    expect(done.body.job).toMatchObject({ state: "succeeded", adapter: { name: "alice-v1", source: "s3://bucket/alice-v1" } });
    const twice = await call<ErrorBody>(b, "POST", `/v1/training-jobs/${r.body.job.id}/complete`, { status: "failed", error: "late" });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe("conflict");
  });

  it("refuses training without a trainer, for an unserved model, or for a taken name", async () => {
    const none = await bridgeWith({});
    const r = await call<ErrorBody>(none, "POST", "/v1/training-jobs", trainReq);
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("trainer_unavailable");
    const b = await bridgeWith({ url: "http://127.0.0.1:9/never" });
    const unserved = await call<ErrorBody>(b, "POST", "/v1/training-jobs", { ...trainReq, base_model: "gpt-x" });
    expect(unserved.body.error.code).toBe("no_node");
    await call(b, "POST", "/v1/adapters", { ...scope, name: "alice-v1", base_model: "llama-3-8b", source: "/adapters/x" });
    const taken = await call<ErrorBody>(b, "POST", "/v1/training-jobs", trainReq);
    expect(taken.status).toBe(409);
    const empty = await call<ErrorBody>(b, "POST", "/v1/training-jobs", { ...trainReq, adapter_name: "n2", dataset: { texts: [] } });
    expect(empty.body.error.code).toBe("invalid_request");
  });
});
