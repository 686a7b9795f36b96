// Queue consumers: the jobs queue (retry with backoff) and its dead-letter queue (mark failed).
import type { Env } from "../env";
import { depsFromEnv, type Deps } from "../services/deps";
import type { JobMessage } from "./messages";
import { runExtractJob } from "./run-extract";
import { runSkillJob, skillJobMessage } from "./run-skill";
import { ApiError } from "../errors";
import { isWebhookQueue } from "../webhooks/messages";
import { handleWebhookQueue } from "./webhook-consumer";
import { emitJobEvent, emitJobFailed } from "./webhook-job-events";

export const DLQ_NAME = "memos-jobs-dlq";

const retryDelaySeconds = (attempts: number) => Math.min(300, 2 ** attempts);

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

async function recordFailure(deps: Deps, body: JobMessage, error: string, final: boolean): Promise<void> {
  try {
    const cube = deps.cube(body.identity);
    // A skill run failing leaves its extraction job as it is (succeeded): the run keeps its own state.
    if (body.kind === "skill") await cube.failSkillJob(body.identity, body.job_id, error, final);
    else await cube.failJob(body.identity, body.job_id, error, final);
  } catch (err) {
    console.error(JSON.stringify({ level: "error", job_id: body.job_id, message: "could not record job failure", error: describe(err) }));
  }
}

function isJobMessage(body: unknown): body is JobMessage {
  if (typeof body !== "object" || body === null) return false;
  const b = body as Record<string, unknown>;
  const id = b.identity as Record<string, unknown> | undefined;
  return (b.kind === "extract" || b.kind === "skill") && typeof b.job_id === "string" && typeof id?.tenant_id === "string" && typeof id?.cube_id === "string";
}

export async function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (isWebhookQueue(batch.queue)) return handleWebhookQueue(batch, env);
  const deadLetter = batch.queue === DLQ_NAME || batch.queue.endsWith("-dlq");
  const deps = depsFromEnv(env);
  for (const message of batch.messages) {
    const body = message.body;
    if (!isJobMessage(body)) {
      // A message no consumer understands can never succeed: drop it loudly instead of looping.
      console.error(JSON.stringify({ level: "error", queue: batch.queue, message: "malformed job message dropped", id: message.id }));
      message.ack();
      continue;
    }
    if (deadLetter) {
      await recordFailure(deps, body, `dead-lettered after ${message.attempts} attempt(s) on ${batch.queue}`, true);
      if (body.kind === "skill") {
        message.ack();
        continue;
      }
      try {
        await emitJobFailed(env, deps, body.identity, body.job_id);
      } catch (err) {
        // The job is failed for good either way; the event is retried once with the message.
        console.error(JSON.stringify({ level: "error", job_id: body.job_id, message: "could not emit job.failed", error: describe(err) }));
        message.retry();
        continue;
      }
      message.ack();
      continue;
    }
    try {
      if (body.kind === "skill") {
        await runSkillJob(deps, body);
        message.ack();
        continue;
      }
      const job = await runExtractJob(deps, body);
      // Before the ack: a failed send retries the message, which finds the job done and emits again.
      await emitJobEvent(env, body.identity, job);
      // Every extraction of messages (not raw) is followed by its skill run, on its own message;
      // the run itself checks whether the messages look procedural (a cheap rule) before mining.
      if (job.state === "succeeded" && job.mode !== "raw") await deps.jobs.enqueue(skillJobMessage(body.identity, job.id));
      message.ack();
    } catch (err) {
      if (err instanceof ApiError && err.code === "not_found") {
        // The job or its cube was deleted since it was queued: nothing is left to run, ever.
        console.warn(JSON.stringify({ level: "warn", job_id: body.job_id, message: "job dropped: it or its cube no longer exists", error: err.message }));
        message.ack();
        continue;
      }
      await recordFailure(deps, body, describe(err), false);
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
