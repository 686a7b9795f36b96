// Runs one skill job (Mem2Skill): the extraction job's stored messages → drafts (rules, or the LLM in fine mode) → embeddings → evolved by the cube.
import type { Deps } from "../services/deps";
import type { SkillJobMessage } from "./messages";
import type { SkillDraft } from "../memory/skills/types";
import type { SkillRunReport } from "../memory/skills-contract";
import type { CubeIdentity } from "../memory/cube-contract";
import { looksProcedural, mineSkills } from "../memory/skills/mine";
import { mineSkillsFine } from "../memory/skills/mine-llm";
import { skillText } from "../memory/skills/evolve";
import { SKILL_API_LIMITS, skillDraftSchema } from "../memory/skills-contract";
import { unwrap } from "../services/cubes";

export interface SkillJobOutcome {
  report: SkillRunReport | null;
  created: Array<{ id: string; name: string }>;
}

/**
 * Idempotent: a run that already succeeded changes nothing. Throws on failure so that the queue
 * retries; the cube records each failed attempt. The skills it creates are announced
 * (skill.created) by the cube's outbox, committed with them. The messages were desensitized when they were
 * stored, so the miner and the LLM see placeholders, never the values.
 */
export async function runSkillJob(deps: Deps, msg: SkillJobMessage): Promise<SkillJobOutcome> {
  const cube = deps.cube(msg.identity);
  const input = unwrap(await cube.startSkillJob(msg.identity, msg.job_id));
  if (input.run.state === "succeeded") return { report: input.run, created: createdOf(input.run) };
  const t0 = performance.now();
  let drafts: SkillDraft[] = [];
  const detail: Record<string, unknown> = {};
  const messages = input.messages;
  if (!looksProcedural(messages)) {
    detail.note = "no procedural fragment in the messages";
  } else if (input.job.mode === "fine" && deps.llm) {
    // A provider failure throws, so the queue retries later rather than storing a rules-only result.
    const mined = await mineSkillsFine(messages, deps.llm, { onProviderError: "throw" });
    drafts = mined.drafts;
    Object.assign(detail, { miner: "llm", llm: deps.llm.id, outcome: mined.outcome, errors: mined.errors.slice(0, 5) });
  } else {
    drafts = mineSkills(messages);
    Object.assign(detail, { miner: "rules", ...(input.job.mode === "fine" ? { note: "fine mode without an LLM configured: rules used" } : {}) });
  }
  // Each draft is checked here against the cube's contract: one it would refuse is reported and
  // left out, never failing (and retrying) the whole run. Long fragments keep their last sources.
  const refused: Array<{ name: string; issues: string[] }> = [];
  drafts = drafts.slice(0, SKILL_API_LIMITS.draftsPerRun).flatMap((d) => {
    const fitted = { ...d, source_message_ids: d.source_message_ids.slice(-SKILL_API_LIMITS.sourceIds) };
    const checked = skillDraftSchema.safeParse(fitted);
    if (checked.success) return [fitted];
    refused.push({ name: d.name.slice(0, 64), issues: checked.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`) });
    return [];
  });
  if (refused.length) detail.refused = refused;
  const t1 = performance.now();
  const vectors = drafts.length ? await deps.embedder.embed(drafts.map(skillText)) : [];
  detail.timings_ms = { mine: t1 - t0, embed: performance.now() - t1 };
  const done = unwrap(
    await cube.completeSkillJob({ identity: msg.identity, job_id: msg.job_id, embedder: deps.embedder.id, drafts: drafts.map((draft, i) => ({ draft, vector: vectors[i] ?? null })), detail }),
  );
  const after = unwrap(await cube.getJob(msg.identity, msg.job_id));
  const report = (after.result?.detail?.skills as SkillRunReport | undefined) ?? null;
  const created = done.decisions.filter((d) => d.action === "create").map((d) => ({ id: d.skill_id, name: d.name }));
  return { report, created };
}

/** The skills a finished run created, from its report's decisions. */
function createdOf(run: SkillRunReport): Array<{ id: string; name: string }> {
  const decisions = Array.isArray(run.detail.decisions) ? (run.detail.decisions as Array<{ action?: unknown; skill_id?: unknown; name?: unknown }>) : [];
  return decisions.filter((d) => d.action === "create" && typeof d.skill_id === "string").map((d) => ({ id: d.skill_id as string, name: typeof d.name === "string" ? d.name : "" }));
}

/** The queue message of a job's skill run. */
export const skillJobMessage = (identity: CubeIdentity, jobId: string): SkillJobMessage => ({ kind: "skill", job_id: jobId, identity });
