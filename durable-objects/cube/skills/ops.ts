// The cube's skill operations behind its thin RPC methods: validate, desensitize, write in one transaction, audit.
import { fail, ok, type CubeIdentity, type CubeResult, type Idempotency } from "../../../src/memory/cube-contract";
import type { Skill, SkillDraft } from "../../../src/memory/skills/types";
import type { AuditAction } from "../../../src/governance/audit";
import { draftTexts, withTexts, type CreateSkillRequest, type MinedSkillsRequest, type SkillFilter, type UpdateSkillRequest } from "../../../src/memory/skills-contract";
import { checkDraft } from "../../../src/memory/skills/validate";
import { skillHash } from "../../../src/memory/skills/evolve";
import { instantiateSkill, type InstantiatedStep } from "../../../src/memory/skills/instantiate";
import { applyFeedback, nextState } from "../../../src/memory/skills/reliability";
import { changeSkill, eraseSkill, insertSkill, listSkillRows, matchesFilter, recordUse, rowToSkill, skillByHash, skillByListing, skillRow, skillVersions, type SkillRow } from "./store";
import { applyMinedDrafts, type EvolveOutcome } from "./evolve-apply";
import { finishSkillRun, skillRun } from "./runs";
import { searchSkills, type ScoredSkill, type SkillSearchInput } from "./search";

/** What the operations need of the cube object: its storage, its vault, its audited writes. */
export interface SkillHost {
  sql: SqlStorage;
  identity: CubeIdentity;
  transaction<T>(fn: () => T): T;
  /** The texts desensitized with the cube's mode and vault (new vault values committed). */
  mask(texts: readonly string[]): Promise<string[]>;
  /** A write run once per idempotency key, in one transaction, with its audit entry. */
  audited<T>(raw: CubeIdentity, action: AuditAction, targets: (v: T) => readonly string[], idem: Idempotency | undefined, write: (now: number) => CubeResult<T>): Promise<CubeResult<T>>;
  /** Records a read in the audit chain. */
  auditRead(raw: CubeIdentity, action: AuditAction, targets: readonly string[]): Promise<void>;
}

const issuesOf = (d: SkillDraft) => checkDraft(d);

/** The draft with every text desensitized; `changed` when the cube masked something the Worker had not. */
async function maskDraft(host: SkillHost, d: SkillDraft): Promise<{ draft: SkillDraft; changed: boolean }> {
  const texts = draftTexts(d);
  const masked = await host.mask(texts);
  return { draft: withTexts(d, masked), changed: masked.some((t, i) => t !== texts[i]) };
}

function invalidDraft<T>(issues: ReturnType<typeof checkDraft>): CubeResult<T> {
  return fail("invalid_request", "the skill is not valid", issues);
}

const notFound = <T>(id: string): CubeResult<T> => fail("not_found", `skill ${id} not found`);

/** A skill by id, within a filter (a key's agent visibility); null when absent or filtered out. */
export function visibleRow(host: SkillHost, id: string, filter: SkillFilter = {}): SkillRow | null {
  const row = skillRow(host.sql, id);
  return row && matchesFilter(row, filter) ? row : null;
}

export async function readSkill(host: SkillHost, raw: CubeIdentity, id: string, audit = true): Promise<CubeResult<Skill | null>> {
  const row = skillRow(host.sql, id);
  if (!row) return ok(null);
  if (audit) await host.auditRead(raw, "skill.read", [id]);
  return ok(rowToSkill(host.sql, row, host.identity));
}

export async function createSkill(host: SkillHost, req: CreateSkillRequest): Promise<CubeResult<{ skill: Skill; created: boolean }>> {
  const issues = issuesOf(req.item.draft);
  if (issues.length) return invalidDraft(issues);
  const { draft, changed } = await maskDraft(host, req.item.draft);
  const vector = changed ? null : req.item.vector;
  const hash = skillHash(draft);
  return host.audited(req.identity, "skill.create", (v) => [v.skill.id], req.idempotency, (now) => {
    // The same steps uploaded again are the skill already stored, not a second copy.
    const same = skillByHash(host.sql, hash, req.user_id);
    if (same) return ok({ skill: rowToSkill(host.sql, same, host.identity), created: false });
    const skill = insertSkill(
      host.sql,
      host.identity,
      { draft, hash, user_id: req.user_id, agent_id: req.agent_id, origin: "upload", state: "probationary", hub: null, source_memory_ids: [], embedding: { embedder: req.embedder, vector }, reason: "imported", source: null },
      now,
    );
    return ok({ skill, created: true });
  });
}

export async function updateSkill(host: SkillHost, req: UpdateSkillRequest): Promise<CubeResult<Skill>> {
  const current = skillRow(host.sql, req.id);
  if (!current) return notFound(req.id);
  const base = rowToSkill(host.sql, current, host.identity);
  const { state, ...fields } = req.patch;
  const textChanged = Object.keys(fields).length > 0;
  const next: SkillDraft = { ...toDraft(base), ...fields };
  const issues = issuesOf(next);
  if (issues.length) return invalidDraft(issues);
  const { draft, changed } = textChanged ? await maskDraft(host, next) : { draft: next, changed: false };
  const embedding = req.embedding && changed ? { ...req.embedding, vector: null } : req.embedding;
  return host.audited(req.identity, "skill.update", (v) => [v.id], req.idempotency, (now) => {
    const row = skillRow(host.sql, req.id);
    if (!row) return notFound(req.id);
    if (row.version !== req.expected_version) return fail("conflict", `skill ${req.id} is at version ${row.version}, not ${req.expected_version}`, { version: row.version });
    if (!textChanged && (state === undefined || state === row.state)) return ok(rowToSkill(host.sql, row, host.identity));
    const change = textChanged ? { draft, hash: skillHash(draft), ...(embedding ? { embedding } : {}), ...(state ? { state } : {}) } : { ...(state ? { state } : {}) };
    return ok(changeSkill(host.sql, host.identity, row, change, "edited", null, now));
  });
}

export function toDraft(s: Skill): SkillDraft {
  return { name: s.name, description: s.description, when_to_use: s.when_to_use, parameters: s.parameters, steps: s.steps, preconditions: s.preconditions, examples: s.examples, source_message_ids: s.source_message_ids };
}

export function deleteSkill(host: SkillHost, raw: CubeIdentity, id: string, idem: Idempotency | undefined): Promise<CubeResult<{ id: string; deleted: boolean }>> {
  return host.audited(raw, "skill.delete", (v) => [v.id], idem, () => {
    const row = skillRow(host.sql, id);
    if (!row) return notFound(id);
    eraseSkill(host.sql, row);
    return ok({ id, deleted: true });
  });
}

export async function listSkills(host: SkillHost, raw: CubeIdentity, filter: SkillFilter, limit: number, afterSeq: number | null, beforeId: string | null = null): Promise<CubeResult<{ skills: Skill[]; next_seq: number | null }>> {
  const page = listSkillRows(host.sql, filter, limit, afterSeq, beforeId);
  const skills = page.rows.map((r) => rowToSkill(host.sql, r, host.identity));
  await host.auditRead(raw, "skill.list", skills.map((s) => s.id));
  return ok({ skills, next_seq: page.next_seq });
}

export async function versionsOf(host: SkillHost, raw: CubeIdentity, id: string, filter: SkillFilter): Promise<CubeResult<ReturnType<typeof skillVersions>>> {
  if (!visibleRow(host, id, filter)) return notFound(id);
  await host.auditRead(raw, "skill.read", [id]);
  return ok(skillVersions(host.sql, id));
}

export async function findSkills(host: SkillHost, raw: CubeIdentity, q: SkillSearchInput, audit = true): Promise<CubeResult<ScoredSkill[]>> {
  const found = searchSkills(host.sql, host.identity, q);
  if (audit) await host.auditRead(raw, "skill.search", found.map((f) => f.skill.id));
  return ok(found);
}

/** Renders a skill with parameters; a valid run is counted as a use. */
export async function instantiate(host: SkillHost, raw: CubeIdentity, id: string, params: Record<string, unknown>, filter: SkillFilter): Promise<CubeResult<{ skill: Skill; steps: InstantiatedStep[]; params: Record<string, unknown> }>> {
  const row = visibleRow(host, id, filter);
  if (!row) return notFound(id);
  const skill = rowToSkill(host.sql, row, host.identity);
  const result = instantiateSkill(skill, params);
  if (!result.ok) return fail("invalid_request", "the parameters do not match the skill's schema", result.errors);
  return host.audited(raw, "skill.instantiate", () => [id], undefined, (now) => {
    const current = skillRow(host.sql, id);
    if (!current) return notFound(id);
    recordUse(host.sql, current, now);
    return ok({ skill: rowToSkill(host.sql, skillRow(host.sql, id) as SkillRow, host.identity), steps: result.steps, params: result.params });
  });
}

/** Success or failure of a use: reliability updated; a state change it causes is a new version. */
export function feedback(host: SkillHost, raw: CubeIdentity, id: string, outcome: "success" | "failure", filter: SkillFilter, idem: Idempotency | undefined): Promise<CubeResult<Skill>> {
  return host.audited(raw, "skill.feedback", (v) => [v.id], idem, (now) => {
    const row = skillRow(host.sql, id);
    if (!row || !matchesFilter(row, filter)) return notFound(id);
    const skill = rowToSkill(host.sql, row, host.identity);
    const reliability = applyFeedback(skill.reliability, outcome, now);
    const state = nextState(skill.state, reliability, "feedback");
    return ok(changeSkill(host.sql, host.identity, row, { reliability, state }, state === skill.state ? null : "feedback-state-change", null, now));
  });
}

/**
 * Stores the skill of a hub listing: a new skill (origin hub) on first install, the same one for
 * the same listing version again, a new version of it for a newer listing version.
 */
export async function install(
  host: SkillHost,
  raw: CubeIdentity,
  d: SkillDraft,
  hub: NonNullable<Skill["hub"]>,
  idem: Idempotency | undefined,
  extra: { embedder: string; vector: Float32Array | null; user_id?: string | null | undefined; agent_id?: string | null | undefined } | undefined,
): Promise<CubeResult<Skill>> {
  const issues = issuesOf(d);
  if (issues.length) return invalidDraft(issues);
  const { draft, changed } = await maskDraft(host, d);
  const embedding = { embedder: extra?.embedder ?? "none", vector: changed ? null : (extra?.vector ?? null) };
  return host.audited(raw, "skill.create", (v) => [v.id], idem, (now) => {
    const prior = skillByListing(host.sql, hub.listing_id);
    if (prior) {
      const current = rowToSkill(host.sql, prior, host.identity);
      if (current.hub && current.hub.source_version >= hub.source_version) return ok(current);
      return ok(changeSkill(host.sql, host.identity, prior, { draft, hash: skillHash(draft), hub, embedding }, "installed", hub.listing_id, now));
    }
    const s = { draft, hash: skillHash(draft), user_id: extra?.user_id ?? null, agent_id: extra?.agent_id ?? null, origin: "hub" as const, state: "probationary" as const, hub, source_memory_ids: [], embedding, reason: "installed" as const, source: hub.listing_id };
    return ok(insertSkill(host.sql, host.identity, s, now));
  });
}

/**
 * The skill job's result: its drafts evolved against the cube's skills and the run marked done,
 * in one transaction. A run that already succeeded answers its report and changes nothing.
 */
export async function completeMined(
  host: SkillHost,
  req: MinedSkillsRequest,
  scope: { user_id: string | null; agent_id: string | null; source_memory_ids: string[] },
): Promise<CubeResult<EvolveOutcome & { already: boolean }>> {
  const prior = skillRun(host.sql, req.job_id);
  if (prior?.state === "succeeded") return ok({ created: [], upgraded: [], duplicates: [], decisions: [], already: true });
  const drafts: Array<{ draft: SkillDraft; vector: Float32Array | null }> = [];
  const rejected: Array<{ index: number; issues: ReturnType<typeof checkDraft> }> = [];
  for (const [index, item] of req.drafts.entries()) {
    const issues = issuesOf(item.draft);
    if (issues.length) {
      rejected.push({ index, issues: issues.slice(0, 5) });
      continue;
    }
    const { draft, changed } = await maskDraft(host, item.draft);
    drafts.push({ draft, vector: changed ? null : item.vector });
  }
  return host.audited(req.identity, "skill.mine", (v) => [req.job_id, ...v.created, ...v.upgraded], undefined, (now) => {
    if (skillRun(host.sql, req.job_id)?.state === "succeeded") return ok({ created: [], upgraded: [], duplicates: [], decisions: [], already: true });
    const outcome = applyMinedDrafts(host.sql, host.identity, { job_id: req.job_id, embedder: req.embedder, drafts, ...scope }, now);
    const skill_ids = [...new Set([...outcome.created, ...outcome.upgraded, ...outcome.duplicates])];
    const detail = { ...req.detail, drafts: req.drafts.length, decisions: outcome.decisions, ...(rejected.length ? { rejected } : {}) };
    finishSkillRun(host.sql, req.job_id, { created: outcome.created.length, upgraded: outcome.upgraded.length, duplicates: outcome.duplicates.length, skill_ids, detail }, now);
    return ok({ ...outcome, already: false });
  });
}

export type ScoredSkillOut = ScoredSkill;
export type MinedOutcome = EvolveOutcome & { already: boolean };
export type Instantiated = { skill: Skill; steps: InstantiatedStep[]; params: Record<string, unknown> };

/** The few skills a memory search answers beside its results: same query and vector, the search's scope. */
export function skillsForMemorySearch(
  sql: SqlStorage,
  identity: CubeIdentity,
  req: { query: string; vector: Float32Array | null; embedder: string; filter: { user_id?: string | undefined; agent_id?: string | undefined; visible_agents?: string[] | undefined } },
  count: number,
): ScoredSkill[] {
  const { user_id, agent_id, visible_agents } = req.filter;
  const filter: SkillFilter = { ...(user_id !== undefined ? { user_id } : {}), ...(agent_id !== undefined ? { agent_id } : {}), ...(visible_agents !== undefined ? { visible_agents } : {}) };
  return searchSkills(sql, identity, { query: req.query, vector: req.vector, embedder: req.embedder, top_k: count, filter, min_score: 0 });
}
