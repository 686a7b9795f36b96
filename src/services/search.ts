// Runs a search for the API: embeds the query here (never in a cube), picks the cubes (one, or
// the tenant's), lets each run every route, merges, and optionally packs a context block.
import type { SearchBody } from "../api/schemas";
import { unwrap } from "./cubes";
import { cubeIdentity, reachableCubes, reachCube, type Principal, type Reach } from "./access";
import { ApiError } from "../errors";
import { applySpans, detectPii, EMPTY_MAPPING } from "../governance/pii";
import type { Deps } from "./deps";
import type { CubeIdentity, CubeSearchRequest, CubeSearchResult, ScoredMemory } from "../memory/cube-contract";
import type { VectorIndex, VectorMatch } from "../memory/vectors/vector-index";
import { countTokens, packContext, type PackResult } from "../memory/retrieval/packing";
import { renderWorkingMemory, type WorkingMemory } from "../memory/working-memory";
import { workingMemoryIn } from "./working-memory";
import { profileIn } from "./profile";
import { currentPreferences } from "../memory/preferences";
import { fanOut, fanOutOver, MAX_FANOUT, type Coverage } from "./fanout";
import type { ScoredSkillOut } from "../../durable-objects/cube/skills/ops";

const DAY = 86_400_000;

export interface SearchOutcome {
  results: ScoredMemory[];
  understood: CubeSearchResult["understood"] | null;
  timings: Record<string, number>;
  packed: PackResult | null;
  /** Preference memories for the query, in their own list (one cube: their own search; several: those among the results). */
  preferences: ScoredMemory[];
  /** Which cubes answered a tenant-wide search, which failed and how many were left out; null for one cube. */
  coverage: Coverage | null;
  /** The few skills of the searched cubes that match the query (empty when none do, or the cubes hold none). */
  skills: ScoredSkillOut[];
}

const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));

/** The cube request of a body, minus identity and the vector route's source. */
function cubeRequest(body: Omit<SearchBody, "format">, vector: Float32Array | null, embedder: string): Omit<CubeSearchRequest, "identity"> {
  const from = ms(body.time_range?.from);
  const to = ms(body.time_range?.to);
  return {
    query: body.query,
    vector,
    embedder,
    filter: { user_id: body.user_id, agent_id: body.agent_id, session_id: body.session_id, tags: body.tags, types: body.types, state: body.state },
    top_k: body.top_k,
    ...(body.as_of !== undefined ? { as_of: Date.parse(body.as_of) } : {}),
    ...(from !== undefined || to !== undefined ? { time_range: { from: from ?? null, to: to ?? null } } : {}),
    ...(body.reference_time !== undefined ? { reference_time: Date.parse(body.reference_time) } : {}),
    ...(body.weights ? { weights: body.weights } : {}),
    ...(body.threshold !== undefined ? { threshold: body.threshold } : {}),
    ...(body.half_life_days !== undefined ? { half_life_ms: Math.round(body.half_life_days * DAY) } : {}),
    ...(body.mmr_lambda !== undefined ? { mmr_lambda: body.mmr_lambda } : {}),
    record_access: body.record_access,
  };
}

/**
 * The tenant's VectorIndex answer, grouped by cube; every match is checked to be the tenant's.
 * Writes the index does not show yet (seconds, with Vectorize) are added by each cube itself.
 */
async function tenantVectorHits(index: VectorIndex, tenant: string, body: Omit<SearchBody, "format">, vector: Float32Array): Promise<Map<string, VectorMatch[]>> {
  // (A caller limited to some cubes still gets only their hits: the fan-out asks only those cubes.)
  const matches = await index.query(vector, {
    topK: 100,
    // Superseded memories are indexed as "superseded": an as_of search asks for them too, as a large cube's own query does.
    filter: {
      tenant_id: tenant,
      state: body.as_of === undefined ? (body.state ?? "active") : { $in: [body.state ?? "active", "superseded"] },
      ...(body.agent_id ? { agent_id: body.agent_id } : {}),
    },
  });
  const byCube = new Map<string, VectorMatch[]>();
  for (const m of matches) {
    if (m.metadata.tenant_id !== tenant) continue;
    const list = byCube.get(m.metadata.cube_id) ?? [];
    list.push(m);
    byCube.set(m.metadata.cube_id, list);
  }
  return byCube;
}

/**
 * The cubes a search covers, each with what the caller sees in it: one cube (cube_id or user_id),
 * several (cube_ids), or every cube within reach (null: the whole tenant, paged by the fan-out).
 */
async function searchTargets(deps: Deps, who: Principal, body: Omit<SearchBody, "format">): Promise<{ single: boolean; reach: Reach[] | null }> {
  if (body.cube_ids !== undefined) {
    if (body.cube_id !== undefined || body.user_id !== undefined) throw new ApiError("invalid_request", "give cube_ids, or cube_id / user_id, not both");
    const ids = [...new Set(body.cube_ids)];
    return { single: false, reach: await Promise.all(ids.map((cube_id) => reachCube(deps, who, { cube_id }, "read"))) };
  }
  if (body.cube_id !== undefined || body.user_id !== undefined) return { single: true, reach: [await reachCube(deps, who, body, "read")] };
  return { single: false, reach: await reachableCubes(deps, who, MAX_FANOUT) };
}

/**
 * A query with its personal data desensitized: in one cube, values the cube's vault knows become
 * their placeholders (so the search finds what was stored masked) and nothing is written; across
 * cubes, typed markers. Queries without personal data (nearly all) cost one pass of the detector.
 */
async function desensitizedQuery(deps: Deps, query: string, cube: CubeIdentity | null): Promise<string> {
  const spans = detectPii(query);
  // With a model configured, the cube's vault may know names the patterns cannot see: the cube
  // looks them up (no model call). Across cubes they stay, as each cube numbers its own.
  if (spans.length === 0 && !(deps.piiFinder && cube)) return query;
  if (cube) {
    const [masked] = unwrap(await deps.cube(cube).maskQuery(cube, [query])).texts;
    return masked ?? query;
  }
  return applySpans(query, spans, "redact", EMPTY_MAPPING).text;
}

export async function runSearch(deps: Deps, who: Principal, body: Omit<SearchBody, "format">, pack: boolean): Promise<SearchOutcome> {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const { embedder } = deps;
  const tenant = who.tenant_id;
  const { single, reach } = await searchTargets(deps, who, body);
  // The query is desensitized before the embedder (a model) sees it, as stored texts are.
  const query = await desensitizedQuery(deps, body.query, single ? (reach?.[0]?.identity ?? null) : null);
  body = query === body.query ? body : { ...body, query };
  timings.target = performance.now() - t;
  t = performance.now();
  const [vector] = await embedder.embed([body.query]);
  timings.embed = performance.now() - t;

  t = performance.now();
  let hits: Map<string, VectorMatch[]> | null = null;
  // Tenant-wide with Vectorize: one vector query for all cubes instead of a scan in each.
  if (!single && deps.vectorIndex && vector) hits = await tenantVectorHits(deps.vectorIndex, tenant, body, vector);
  timings.route = performance.now() - t;

  t = performance.now();
  const base = cubeRequest(body, vector ?? null, embedder.id);
  // One cube: the preferences get a search of their own in the same call (MemOS's pref_mem).
  const wantsPreferences = body.types === undefined || body.types.includes("preference");
  let ownPreferences: ScoredMemory[] | null = null;
  const skills: ScoredSkillOut[] = [];
  const visibility = new Map((reach ?? []).map((r) => [r.identity.cube_id, r.visible_agents]));
  const ask = async (identity: CubeIdentity): Promise<CubeSearchResult> => {
    const visible = visibility.get(identity.cube_id) ?? null;
    // The caller as actor, so the cube's audit entry names the key even for cubes a tenant-wide fan-out found.
    const req: CubeSearchRequest = { identity: cubeIdentity(who, identity.cube_id), ...base, filter: { ...base.filter, ...(visible ? { visible_agents: visible } : {}) } };
    if (hits) req.vector_hits = (hits.get(identity.cube_id) ?? []).map((m) => ({ id: m.id, score: m.score }));
    // Skills ride along in the same cube call: a cube without skills answers none at the cost of one probe.
    const answer = unwrap(await deps.cube(identity).search(req, single && wantsPreferences ? PREFERENCES_TOP_K : undefined, SKILLS_TOP_K));
    if (answer.preferences) ownPreferences = answer.preferences;
    if (answer.skills) skills.push(...answer.skills);
    return answer;
  };
  // The session's working memory is read beside the search, for the first part of the block.
  const wmBudget = Math.floor(body.budget_tokens / 2) - WORKING_MEMORY_TAGS;
  const single0 = single ? reach?.[0] : undefined;
  const working = pack && body.session_id !== undefined && single0 && wmBudget > 0 ? workingMemoryIn(deps, single0, body.session_id, body.user_id, wmBudget) : null;
  const profile = pack && body.user_id !== undefined && single0 && single0.visible_agents === null ? profileIn(deps, single0, body.user_id) : null;
  // Awaited when packing; a search that fails first must not leave its rejection unhandled.
  working?.catch(() => undefined);
  profile?.catch(() => undefined);
  let answers: CubeSearchResult[];
  let coverage: Coverage | null = null;
  if (single && reach?.[0]) answers = [await ask(reach[0].identity)];
  else if (reach) ({ answers, coverage } = await fanOutOver(reach.map((r) => r.identity), ask));
  else ({ answers, coverage } = await fanOut(deps.registry, tenant, ask));
  timings.cube = performance.now() - t;
  for (const a of answers) {
    for (const [k, v] of Object.entries(a.timings)) timings[`cube_${k}`] = Math.max(timings[`cube_${k}`] ?? 0, v);
  }
  // Scores are normalized in every cube (1 = first on every route), so they compare across cubes.
  const results = answers
    .flatMap((a) => a.results)
    .sort((a, b) => b.score - a.score)
    .slice(0, body.top_k);

  let packed: PackResult | null = null;
  if (pack) {
    t = performance.now();
    const items = results.map((r) => ({ id: r.memory.id, text: r.memory.text, time: r.memory.event_time ?? r.memory.created_at, topic: r.memory.tags[0] ?? r.memory.type }));
    const options = { budget: body.budget_tokens, order: body.order, watermark: await deps.watermarks.issue(who) };
    packed = withWorkingMemory(working ? await working : null, (budget) => packContext(items, { ...options, budget }), body.budget_tokens);
    if (profile) {
      const p = await profile;
      packed = { ...packed, profile: { user_id: body.user_id as string, summary: p.summary, tokens: p.tokens, built_at: p.built_at } };
    }
    timings.packing = performance.now() - t;
  }
  const found = ownPreferences ? ownPreferences : wantsPreferences ? results.filter((r) => r.memory.type === "preference") : [];
  // A preference stated again the other way ("loves coffee", later "hates coffee now") stands alone.
  const preferences = currentPreferences(found.map((r) => ({ text: r.memory.text, at: r.memory.updated_at }))).map((i) => found[i] as ScoredMemory).slice(0, PREFERENCES_TOP_K);
  const topSkills = skills.sort((a, b) => b.score - a.score).slice(0, SKILLS_TOP_K);
  return { results, understood: single ? (answers[0]?.understood ?? null) : null, timings, packed, coverage, preferences, skills: topSkills };
}

/** Most skills a search answers beside its results. */
const SKILLS_TOP_K = 3;

/** Most preferences a search answers beside its results. */
const PREFERENCES_TOP_K = 5;

/** Tokens the working memory's fence takes beyond its own bound. */
const WORKING_MEMORY_TAGS = 40;

/**
 * The block with the working memory first and the memories packed in what is left of the budget;
 * without working memory (or should the two not fit together), the memories alone.
 */
function withWorkingMemory(wm: WorkingMemory | null, packMemories: (budget: number) => PackResult, budget: number): PackResult {
  const part = wm ? renderWorkingMemory(wm) : "";
  if (!wm || part === "") return packMemories(budget);
  const partTokens = countTokens(`${part}\n`);
  const rest = packMemories(budget - partTokens);
  const context = rest.context ? `${part}\n${rest.context}` : part;
  const used = countTokens(context);
  if (used > budget) return packMemories(budget);
  return {
    ...rest,
    context,
    tokens_used: used,
    budget,
    working_memory: { session_id: wm.session_id, tokens: countTokens(part), turns: wm.turns.length, summary_lines: wm.summary.length, evicted: wm.evicted },
  };
}

/** `Server-Timing` value: one entry per stage, in milliseconds. */
export function serverTiming(timings: Record<string, number>): string {
  return Object.entries(timings)
    .map(([k, v]) => `${k};dur=${v.toFixed(2)}`)
    .join(", ");
}
