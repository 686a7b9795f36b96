// Training jobs: hand a cube's memory texts to a trainer command or HTTP endpoint, track state,
// and register the adapter the trainer reports.
import type { CompleteJobRequest, TrainingJob, TrainRequest } from "@memos-edge/bridge-protocol";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BridgeDeps } from "../context.js";
import { BridgeError } from "../errors.js";
import { newId } from "../ids.js";
import type { Job } from "../registry/jobs.js";
import { adapterView, insertAdapter } from "./adapters.js";

export function jobView(deps: BridgeDeps, j: Job): TrainingJob {
  const adapter = j.adapter_id ? deps.adapters.get(j.adapter_id) : undefined;
  return {
    id: j.id,
    cube_id: j.cube_id,
    adapter_name: j.adapter_name,
    base_model: j.base_model,
    state: j.state,
    error: j.error,
    adapter: adapter ? adapterView(deps, adapter) : null,
    created_at: new Date(j.created_at).toISOString(),
    updated_at: new Date(j.updated_at).toISOString(),
  };
}

export function ownJob(deps: BridgeDeps, tenantId: string, cubeId: string, id: string): Job {
  const j = deps.jobs.get(id);
  if (!j || j.tenant_id !== tenantId || j.cube_id !== cubeId) throw new BridgeError("not_found", `training job ${id} not found`);
  return j;
}

/** Applies a trainer's result once; a finished job refuses a second result. */
export function completeJob(deps: BridgeDeps, id: string, result: CompleteJobRequest): Job {
  const job = deps.jobs.get(id);
  if (!job) throw new BridgeError("not_found", `training job ${id} not found`);
  if (job.state === "succeeded" || job.state === "failed") throw new BridgeError("conflict", `training job ${id} already ${job.state}`);
  const now = deps.now();
  if (result.status === "failed" || !result.adapter_path) {
    deps.db.tx(() => deps.jobs.setState(id, "failed", now, { error: result.error ?? "trainer reported no adapter_path" }));
  } else {
    const path = result.adapter_path;
    try {
      deps.db.tx(() => {
        const a = insertAdapter(deps, {
          tenant_id: job.tenant_id,
          cube_id: job.cube_id,
          name: job.adapter_name,
          base_model: job.base_model,
          source: path,
          job_id: job.id,
        });
        deps.jobs.setState(id, "succeeded", now, { adapter_id: a.id });
      });
    } catch (err) {
      const msg = err instanceof BridgeError ? err.message : "could not register the adapter";
      deps.db.tx(() => deps.jobs.setState(id, "failed", now, { error: msg }));
    }
  }
  return deps.jobs.get(id) as Job;
}

function fail(deps: BridgeDeps, id: string, error: string): void {
  const j = deps.jobs.get(id);
  if (j && (j.state === "queued" || j.state === "running")) deps.db.tx(() => deps.jobs.setState(id, "failed", deps.now(), { error }));
}

/** Runs the trainer command with the spec file's path as last argument; its last stdout line is the result JSON. */
function runCommand(deps: BridgeDeps, job: Job, spec: object, command: string[]): void {
  const dir = resolve(deps.config.workDir);
  mkdirSync(dir, { recursive: true });
  const specPath = join(dir, `${job.id}.json`);
  writeFileSync(specPath, JSON.stringify(spec));
  const [cmd, ...args] = command as [string, ...string[]];
  const child = spawn(cmd, [...args, specPath], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, BRIDGE_JOB_ID: job.id } });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-64_000)));
  child.stderr.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4_000)));
  const timer = setTimeout(() => child.kill("SIGTERM"), deps.config.trainer.timeoutMs);
  timer.unref();
  child.on("error", (e) => {
    clearTimeout(timer);
    fail(deps, job.id, `trainer command could not start: ${e.message}`);
  });
  child.on("close", (code, sig) => {
    clearTimeout(timer);
    if (code !== 0) return fail(deps, job.id, `trainer exited with ${code ?? sig}: ${err.trim().slice(-500)}`);
    const last = out.trim().split("\n").pop() ?? "";
    try {
      const r = JSON.parse(last) as { adapter_path?: unknown; error?: unknown };
      completeJob(deps, job.id, {
        status: typeof r.adapter_path === "string" ? "succeeded" : "failed",
        adapter_path: typeof r.adapter_path === "string" ? r.adapter_path : undefined,
        error: typeof r.error === "string" ? r.error : undefined,
      });
    } catch {
      fail(deps, job.id, "trainer printed no result JSON on its last line");
    }
  });
}

async function postToTrainer(deps: BridgeDeps, job: Job, spec: object, url: string): Promise<void> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(deps.config.trainer.token ? { authorization: `Bearer ${deps.config.trainer.token}` } : {}) },
      body: JSON.stringify(spec),
      signal: AbortSignal.timeout(deps.config.upstreamTimeoutMs),
    });
    if (!res.ok) return fail(deps, job.id, `trainer endpoint answered ${res.status}`);
  } catch (e) {
    fail(deps, job.id, `trainer endpoint unreachable: ${String(e)}`);
  }
}

export function startTraining(deps: BridgeDeps, req: TrainRequest): Job {
  const { command, url } = deps.config.trainer;
  if (!command && !url) throw new BridgeError("trainer_unavailable", "no trainer is configured (TRAINER_COMMAND or TRAINER_URL)");
  if (!deps.config.nodes.some((n) => n.models.includes(req.base_model))) {
    throw new BridgeError("no_node", `no node serves base model ${req.base_model}`, { model: req.base_model });
  }
  if (deps.adapters.byName(req.tenant_id, req.cube_id, req.adapter_name)) {
    throw new BridgeError("conflict", `adapter ${req.adapter_name} already exists in this cube`);
  }
  const now = deps.now();
  const job: Job = {
    id: newId("job", now),
    tenant_id: req.tenant_id,
    cube_id: req.cube_id,
    adapter_name: req.adapter_name,
    base_model: req.base_model,
    spec: { hyperparameters: req.hyperparameters, examples: req.dataset.texts.length },
    state: "running",
    error: null,
    adapter_id: null,
    created_at: now,
    updated_at: now,
  };
  deps.db.tx(() => deps.jobs.insert(job));
  // The dataset goes to the trainer, not into the registry: it can be large and is the cube's.
  const spec = { job_id: job.id, adapter_name: req.adapter_name, base_model: req.base_model, dataset: req.dataset, hyperparameters: req.hyperparameters };
  if (command) runCommand(deps, job, spec, command);
  else if (url) void postToTrainer(deps, job, spec, url);
  return job;
}

/**
 * After a restart, a command trainer's child is gone and its job can never finish; an HTTP
 * trainer may still call back, so its jobs stay running.
 */
export function recoverJobs(deps: BridgeDeps): void {
  if (!deps.config.trainer.command) return;
  for (const j of deps.jobs.unfinished()) fail(deps, j.id, "bridge restarted while the trainer command ran");
}
