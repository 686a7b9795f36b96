// Skill flows for the API and MCP (Mem2Skill): where a skill lives, who may read or write it, uploads desensitized and embedded here, edits as versions.
import { ApiError } from "../errors";
import type { Idempotency } from "../memory/cube-contract";
import type { Skill, SkillDraft, SkillOrigin, SkillState } from "../memory/skills/types";
import { draftTexts, refOfSkillId, withTexts, type SkillFilter, type SkillPatch } from "../memory/skills-contract";
import { skillText } from "../memory/skills/evolve";
import { checkDraft } from "../memory/skills/validate";
import { parseSkillMd, renderSkillMd, SkillFormatError, type SkillFile } from "../memory/skills/skill-md";
import { agentVisible, writeAgent, type Permission } from "../governance/access";
import { applySpans, detectPii, EMPTY_MAPPING } from "../governance/pii";
import { decodeCursor, encodeCursor } from "../api/cursor";
import { z } from "zod";
import { unwrap } from "./cubes";
import { reachableCubes, reachCube, reachWrite, type Principal, type Reach } from "./access";
import { fanOut, fanOutOver, MAX_FANOUT, type Coverage } from "./fanout";
import { maskForCube } from "./privacy";
import type { Deps } from "./deps";
import { unlistDeletedSources } from "./hub-store";
import type { ScoredSkillOut } from "../../durable-objects/cube/skills/ops";

type Hint = { cube_id?: string | undefined; user_id?: string | undefined };

/** A skill's agent visibility as the cube filter has it (nothing to add when the key sees every agent). */
const visibleFilter = (reach: Reach): SkillFilter => (reach.visible_agents === null ? {} : { visible_agents: reach.visible_agents });

/** The cube of a skill within the caller's reach: the one the caller names, else the one its id names. */
export async function locateSkill(deps: Deps, who: Principal, id: string, hint: Hint, need: Permission): Promise<Reach> {
  if (hint.cube_id !== undefined || hint.user_id !== undefined) return reachCube(deps, who, hint, need);
  const ref = refOfSkillId(id);
  const cubeId = ref === null ? null : await deps.registry.ofRef(who.tenant_id, ref);
  if (!cubeId) throw new ApiError("not_found", `skill ${id} not found`);
  try {
    return await reachCube(deps, who, { cube_id: cubeId }, need);
  } catch (err) {
    // A skill of a cube out of reach is not found: its id must not tell that the cube exists.
    if (err instanceof ApiError && err.code === "not_found") throw new ApiError("not_found", `skill ${id} not found`);
    throw err;
  }
}

/** A skill for the caller (404 when absent, out of reach or of an agent it does not see), with its cube. */
export async function getSkillFor(deps: Deps, who: Principal, id: string, hint: Hint = {}, purpose: "read" | "export" = "read"): Promise<{ reach: Reach; skill: Skill }> {
  const reach = await locateSkill(deps, who, id, hint, "read");
  const skill = unwrap(await deps.cube(reach.identity).getSkill(reach.identity, id, purpose));
  if (!skill || !agentVisible(reach.visible_agents, skill.agent_id)) throw new ApiError("not_found", `skill ${id} not found`);
  return { reach, skill };
}

/** Desensitized by the cube (mask mode), then embedded: the model never sees a raw value. */
async function maskAndEmbed(deps: Deps, reach: { identity: Reach["identity"] }, draft: SkillDraft): Promise<{ draft: SkillDraft; vector: Float32Array | null }> {
  const texts = draftTexts(draft);
  const masked = withTexts(draft, await maskForCube(deps.cube(reach.identity), reach.identity, texts));
  const [vector] = await deps.embedder.embed([skillText(masked)]);
  return { draft: masked, vector: vector ?? null };
}

function assertDraft(draft: SkillDraft): void {
  const issues = checkDraft(draft);
  if (issues.length) throw new ApiError("invalid_request", "the skill is not valid", issues);
}

export interface UploadTarget extends Hint {
  agent_id?: string | undefined;
}

/** Stores an uploaded skill (JSON draft or parsed SKILL.md) in the target cube: probationary, origin upload (announced by the cube's outbox). */
export async function createSkillFor(deps: Deps, who: Principal, target: UploadTarget, draft: SkillDraft, idem: Idempotency | undefined): Promise<{ skill: Skill; created: boolean }> {
  assertDraft(draft);
  const agent = writeAgent(who.limits, target.agent_id);
  if (!agent.ok) throw new ApiError("forbidden", agent.message);
  const write = await reachWrite(deps, who, target);
  const { draft: masked, vector } = await maskAndEmbed(deps, write, draft);
  const out = unwrap(
    await deps.cube(write.identity).createSkill({
      identity: write.identity,
      user_id: target.user_id ?? null,
      agent_id: agent.agent_id ?? null,
      embedder: deps.embedder.id,
      item: { draft: masked, vector },
      idempotency: idem,
    }),
  );
  await write.register();
  return out;
}

/** Parses SKILL.md (a text or a folder's files) into a draft; a bad file is a 400 with each problem. */
export function parseUpload(input: string | { files: SkillFile[] }): SkillDraft {
  try {
    return parseSkillMd(input);
  } catch (err) {
    if (err instanceof SkillFormatError) throw new ApiError("invalid_request", `not a valid SKILL.md: ${err.message}`, err.details);
    throw err;
  }
}

export interface SkillEdit extends SkillPatch {
  expected_version?: number | undefined;
}

/** An edit as a new version; refused with 409 when the skill moved past `expected_version`. */
export async function editSkillFor(deps: Deps, who: Principal, id: string, hint: Hint, edit: SkillEdit, idem: Idempotency | undefined): Promise<Skill> {
  const reach = await locateSkill(deps, who, id, hint, "write");
  const current = unwrap(await deps.cube(reach.identity).getSkill(reach.identity, id));
  if (!current || !agentVisible(reach.visible_agents, current.agent_id)) throw new ApiError("not_found", `skill ${id} not found`);
  const { expected_version, ...patch } = edit;
  // The cube checks the version, after its idempotency lookup: a retried edit gets its first answer.
  const version = expected_version ?? current.version;
  const { state, ...fields } = patch;
  let embedding: { embedder: string; vector: Float32Array | null } | undefined;
  let masked: SkillPatch = patch;
  if (Object.keys(fields).length) {
    const next: SkillDraft = { ...current, ...fields };
    assertDraft(next);
    const done = await maskAndEmbed(deps, reach, next);
    embedding = { embedder: deps.embedder.id, vector: done.vector };
    const d = done.draft;
    masked = Object.fromEntries(Object.keys(fields).map((k) => [k, d[k as keyof SkillDraft]])) as SkillPatch;
    if (state !== undefined) masked.state = state;
  }
  return unwrap(await deps.cube(reach.identity).updateSkill({ identity: reach.identity, id, expected_version: version, patch: masked, ...(embedding ? { embedding } : {}), idempotency: idem }));
}

/** Deletes a skill from its cube, then its hub listings (snapshot and vector): deleted means gone there too. */
export async function deleteSkillFor(deps: Deps, db: D1Database | null, who: Principal, id: string, hint: Hint, idem: Idempotency | undefined): Promise<{ id: string; deleted: boolean }> {
  const reach = await locateSkill(deps, who, id, hint, "write");
  if (reach.visible_agents !== null) await getSkillFor(deps, who, id, { cube_id: reach.identity.cube_id });
  const out = unwrap(await deps.cube(reach.identity).deleteSkill(reach.identity, id, idem));
  // After the cube's delete (a retry finds the listings gone, which is harmless).
  if (db) await unlistDeletedSources(db, deps.vectorIndex, who.tenant_id, "skill", [id]);
  return out;
}

export async function skillVersionsFor(deps: Deps, who: Principal, id: string, hint: Hint) {
  const reach = await locateSkill(deps, who, id, hint, "read");
  return unwrap(await deps.cube(reach.identity).skillVersions(reach.identity, id, visibleFilter(reach)));
}

export interface SkillListQuery extends Hint {
  agent_id?: string | undefined;
  state?: SkillState | undefined;
  origin?: SkillOrigin | undefined;
  limit: number;
  cursor?: string | undefined;
}

/**
 * A cube's skills (user_id or cube_id), newest first, cursor paged; without either, the skills of
 * every cube within reach (each cube asked for a page, merged by id, which sorts by creation time).
 */
export async function listSkillsFor(deps: Deps, who: Principal, q: SkillListQuery): Promise<{ skills: Skill[]; next_cursor: string | null; coverage: Coverage | null }> {
  const filterOf = (reach: Reach | null): SkillFilter => ({
    ...(q.user_id !== undefined ? { user_id: q.user_id } : {}),
    ...(q.agent_id !== undefined ? { agent_id: q.agent_id } : {}),
    ...(q.state !== undefined ? { state: q.state } : {}),
    ...(q.origin !== undefined ? { origin: q.origin } : {}),
    ...(reach ? visibleFilter(reach) : {}),
  });
  if (q.cube_id === undefined && q.user_id === undefined) {
    const before = q.cursor ? decodeCursor(q.cursor, z.object({ b: z.string().max(200) })).b : null;
    const reach = await reachableCubes(deps, who, MAX_FANOUT);
    const byCube = new Map((reach ?? []).map((r) => [r.identity.cube_id, r] as const));
    const ask = async (identity: Reach["identity"]) => {
      const id = { tenant_id: who.tenant_id, cube_id: identity.cube_id, actor: { key_id: who.key_id, request_id: who.request_id ?? null } };
      return unwrap(await deps.cube(id).listSkills({ identity: id, filter: filterOf(byCube.get(identity.cube_id) ?? null), limit: q.limit, after_seq: null, before_id: before })).skills;
    };
    const { answers, coverage } = reach ? await fanOutOver(reach.map((r) => r.identity), ask) : await fanOut(deps.registry, who.tenant_id, ask);
    const all = answers.flat().sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const page = all.slice(0, q.limit);
    const last = page[page.length - 1];
    return { skills: page, next_cursor: all.length > q.limit && last ? encodeCursor({ b: last.id }) : null, coverage };
  }
  const after = q.cursor ? decodeCursor(q.cursor, z.object({ k: z.number().int() })) : undefined;
  const reach = await reachCube(deps, who, q, "read");
  const page = unwrap(await deps.cube(reach.identity).listSkills({ identity: reach.identity, filter: filterOf(reach), limit: q.limit, after_seq: after?.k ?? null }));
  return { skills: page.skills, next_cursor: page.next_seq === null ? null : encodeCursor({ k: page.next_seq }), coverage: null };
}

export interface SkillSearchQuery extends Hint {
  query: string;
  agent_id?: string | undefined;
  state?: SkillState | undefined;
  origin?: SkillOrigin | undefined;
  top_k: number;
}

/** Ranked skills for a query in one cube (user_id or cube_id) or every cube within reach. */
export async function searchSkillsFor(deps: Deps, who: Principal, q: SkillSearchQuery): Promise<{ results: ScoredSkillOut[]; coverage: Coverage | null }> {
  const single = q.cube_id !== undefined || q.user_id !== undefined;
  const reach = single ? [await reachCube(deps, who, q, "read")] : await reachableCubes(deps, who, MAX_FANOUT);
  const queryCube = single ? (reach?.[0]?.identity ?? null) : null;
  // Desensitized like a memory query before the embedder sees it: in one cube, values its vault
  // knows become their placeholders; across cubes, typed markers.
  const spans = detectPii(q.query);
  const [query = q.query] =
    spans.length === 0 ? [q.query] : queryCube ? unwrap(await deps.cube(queryCube).maskQuery(queryCube, [q.query])).texts : [applySpans(q.query, spans, "redact", EMPTY_MAPPING).text];
  const [vector] = await deps.embedder.embed([query]);
  const visibility = new Map((reach ?? []).map((r) => [r.identity.cube_id, r.visible_agents]));
  const ask = async (identity: Reach["identity"]) => {
    const visible = visibility.get(identity.cube_id) ?? null;
    const filter: SkillFilter = {
      ...(q.user_id !== undefined ? { user_id: q.user_id } : {}),
      ...(q.agent_id !== undefined ? { agent_id: q.agent_id } : {}),
      ...(q.state !== undefined ? { state: q.state } : {}),
      ...(q.origin !== undefined ? { origin: q.origin } : {}),
      ...(visible ? { visible_agents: visible } : {}),
    };
    const id = { tenant_id: who.tenant_id, cube_id: identity.cube_id, actor: { key_id: who.key_id, request_id: who.request_id ?? null } };
    return unwrap(await deps.cube(id).searchSkills({ identity: id, query, vector: vector ?? null, embedder: deps.embedder.id, top_k: q.top_k, filter }));
  };
  if (single && reach?.[0]) return { results: await ask(reach[0].identity), coverage: null };
  const { answers, coverage } = reach ? await fanOutOver(reach.map((r) => r.identity), ask) : await fanOut(deps.registry, who.tenant_id, ask);
  const results = answers.flat().sort((a, b) => b.score - a.score).slice(0, q.top_k);
  return { results, coverage };
}

/** Renders a skill's steps with parameters; bad parameters are a 400 listing each. */
export async function instantiateFor(deps: Deps, who: Principal, id: string, hint: Hint, params: Record<string, unknown>) {
  const reach = await locateSkill(deps, who, id, hint, "read");
  return unwrap(await deps.cube(reach.identity).instantiateSkill(reach.identity, id, params, visibleFilter(reach)));
}

/** Feedback on a use; needs write (it changes the skill's reliability and maybe its state). */
export async function feedbackFor(deps: Deps, who: Principal, id: string, hint: Hint, fb: { outcome: "success" | "failure"; note?: string | undefined }, idem: Idempotency | undefined): Promise<Skill> {
  const reach = await locateSkill(deps, who, id, hint, "write");
  const body = fb.note === undefined ? { outcome: fb.outcome } : { outcome: fb.outcome, note: fb.note };
  return unwrap(await deps.cube(reach.identity).skillFeedback(reach.identity, id, body, idem, visibleFilter(reach)));
}

/** SKILL.md folder of a skill (audited as an export). */
export async function exportSkillFor(deps: Deps, who: Principal, id: string, hint: Hint): Promise<{ skill: Skill; files: SkillFile[] }> {
  const { skill } = await getSkillFor(deps, who, id, hint, "export");
  return { skill, files: renderSkillMd(skill).files };
}

/**
 * Installs a hub skill into the caller's target cube (for the hub): embedded here, desensitized
 * and versioned by the cube; the same listing version twice is one skill.
 */
export async function installSkillFor(
  deps: Deps,
  who: Principal,
  target: UploadTarget,
  draft: SkillDraft,
  hub: NonNullable<Skill["hub"]>,
  idem?: Idempotency,
): Promise<Skill> {
  assertDraft(draft);
  const agent = writeAgent(who.limits, target.agent_id);
  if (!agent.ok) throw new ApiError("forbidden", agent.message);
  const write = await reachWrite(deps, who, target);
  const { draft: masked, vector } = await maskAndEmbed(deps, write, draft);
  const skill = unwrap(
    await deps.cube(write.identity).installSkill(write.identity, masked, hub, idem, { embedder: deps.embedder.id, vector, user_id: target.user_id ?? null, agent_id: agent.agent_id ?? null }),
  );
  await write.register();
  return skill;
}
