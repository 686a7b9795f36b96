// Hub listings: publish a memory or skill (a pending snapshot, or a revision of an approved one), review, read, unpublish, and search tenant-wide.
import { ApiError } from "../errors";
import { HUB_LIMITS, type HubKind, type HubListing, type ListingContent, type ListingStatus, type Visibility } from "../memory/hub/types";
import { canSee, hubViewer, isPublisher, viewerMembers, type HubViewer } from "../memory/hub/visibility";
import { bm25, cosine, decodeVector, encodeVector, fuseRanks, listingText, listingTitle } from "../memory/hub/text";
import { reachCube } from "./access";
import { agentVisible } from "../governance/access";
import { getVisible } from "./memories";
import { actorOf } from "./audit";
import type { HubCaller, HubDeps } from "./groups";
import type { ListingFilter, StoredListing } from "./hub-store";
import type { HubSkills } from "./hub-skills";

/** Hub vectors live in the tenant's index under this cube id, which no real cube can have ('#' is not allowed in one). */
export const HUB_VECTOR_CUBE = "#hub";
/** A vector match below this cosine does not count as a match. */
const MIN_COSINE = 0.2;

export interface PublishBody {
  kind: HubKind;
  cube_id: string;
  id: string;
  visibility: Visibility;
  note?: string | undefined;
}

const viewerOf = (who: HubCaller) => hubViewer(who.key_id, who.limits, who.scopes);

/** The listing as this viewer may see it: a revision waiting for review only to its publisher and approvers. */
function shown(v: HubViewer, l: StoredListing): StoredListing {
  return l.revision === null || v.approver || isPublisher(v, l) ? l : { ...l, revision: null };
}

/** The groups a viewer belongs to (none to read for approvers and tenant-wide keys, which see them all). */
async function groupsOf(deps: HubDeps, who: HubCaller, v: HubViewer): Promise<Set<string>> {
  if (v.approver || v.tenant_wide) return new Set();
  return new Set(await deps.hub.groupsOf(who.tenant_id, viewerMembers(v)));
}

/** A listing the caller may see (404 otherwise: its existence does not leak). */
export async function visibleListing(deps: HubDeps, who: HubCaller, id: string): Promise<StoredListing> {
  const l = await deps.hub.getListing(who.tenant_id, id);
  const v = viewerOf(who);
  if (!l || !canSee(v, l, await groupsOf(deps, who, v))) throw new ApiError("not_found", `listing ${id} not found`);
  return l;
}

interface Snapshot {
  content: ListingContent;
  version: number;
  owner: string | null;
  cube_created_at: number;
  /** The memory's expiry, which the listing takes; null for skills and memories that do not expire. */
  expires_at: number | null;
}

async function snapshot(deps: HubDeps, skills: HubSkills, who: HubCaller, body: PublishBody): Promise<Snapshot> {
  const reach = await reachCube(deps, who, { cube_id: body.cube_id }, "write");
  const record = await deps.registry.get(reach.identity);
  if (!record) throw new ApiError("not_found", `cube ${body.cube_id} not found`);
  const owner = record.owner_user_id;
  const cube_created_at = record.created_at;
  if (body.kind === "memory") {
    const m = await getVisible(deps, reach, body.id);
    if (m.state !== "active" || m.valid_to !== null) throw new ApiError("invalid_request", `memory ${body.id} is ${m.state === "active" ? "superseded" : m.state}: only a current, active memory can be published`);
    return { content: { kind: "memory", memory: { text: m.text, type: m.type, tags: m.tags } }, version: m.version, owner, cube_created_at, expires_at: m.expires_at ?? null };
  }
  const s = await skills.get(reach.identity, body.id);
  if (!s || !agentVisible(reach.visible_agents, s.agent_id)) throw new ApiError("not_found", `skill ${body.id} not found`);
  if (s.state === "retired") throw new ApiError("invalid_request", `skill ${body.id} is retired: only a live skill can be published`);
  const { name, description, when_to_use, parameters, steps, preconditions, examples } = s;
  return { content: { kind: "skill", skill: { name, description, when_to_use, parameters, steps, preconditions, examples } }, version: s.version, owner, cube_created_at, expires_at: null };
}

const sameVisibility = (a: Visibility, b: Visibility) => ("tenant" in a ? "tenant" in b : "group_id" in b && a.group_id === b.group_id);

/**
 * Publishes (or re-publishes) an item of a cube the caller may write, as a pending snapshot. A
 * re-publish of the same source with a newer version, another visibility, note or expiry: of a
 * pending or rejected listing, replaces its snapshot (pending again); of an approved one, waits
 * beside it as a revision (an approver reviews what changed) while the approved snapshot keeps
 * serving search and installs. An unchanged one answers the listing as it is.
 */
export async function publish(deps: HubDeps, skills: HubSkills, who: HubCaller, body: PublishBody): Promise<{ listing: StoredListing; created: boolean }> {
  if ("group_id" in body.visibility && !(await deps.hub.getGroup(who.tenant_id, body.visibility.group_id))) throw new ApiError("not_found", `group ${body.visibility.group_id} not found`);
  const { content, version, owner, cube_created_at, expires_at } = await snapshot(deps, skills, who, body);
  const note = body.note ?? null;
  let existing = await deps.hub.listingBySource(who.tenant_id, body.kind, body.cube_id, body.id);
  // A listing left from an earlier cube of the same id (deleted since) is not this source's, and
  // one that expired is read by no one: either goes, and the source is listed afresh.
  if (existing && (existing.created_at < cube_created_at || (existing.expires_at !== null && existing.expires_at <= Date.now()))) {
    await deps.hub.deleteListing(who.tenant_id, existing.id);
    if (deps.vectorIndex) await deps.vectorIndex.deleteByIds([existing.id]);
    existing = null;
  }
  const same = (x: { source_version: number; visibility: Visibility; note: string | null; expires_at: number | null }) =>
    x.source_version === version && sameVisibility(x.visibility, body.visibility) && x.note === note && x.expires_at === expires_at;
  const revision = existing?.status === "approved" ? existing.revision : null;
  if (existing && same(existing)) {
    // The served snapshot asked for again: a revision waiting beside it is withdrawn.
    if (revision?.status === "pending") {
      await deps.hub.putRevision(who.tenant_id, existing.id, null);
      await deps.audit?.record(who.tenant_id, actorOf(who), { action: "hub.publish", target_ids: [existing.id, body.cube_id, body.id] });
      return { listing: (await deps.hub.getListing(who.tenant_id, existing.id)) ?? existing, created: false };
    }
    return { listing: existing, created: false };
  }
  if (revision?.status === "pending" && same(revision)) return { listing: existing as StoredListing, created: false };
  const [vector] = await deps.embedder.embed([listingText(content, note)]);
  if (!vector) throw new ApiError("internal", "the embedder returned no vector");
  if (existing?.status === "approved") {
    const now = Date.now();
    await deps.hub.putRevision(who.tenant_id, existing.id, {
      status: "pending", source_version: version, visibility: body.visibility, title: listingTitle(content), content, note, reason: null,
      publisher_key_id: who.key_id, publisher_user_id: owner, decided_by: null, decided_at: null, created_at: now, expires_at,
      embedder: deps.embedder.id, vector: encodeVector(vector),
    });
    await deps.audit?.record(who.tenant_id, actorOf(who), { action: "hub.publish", target_ids: [existing.id, body.cube_id, body.id] });
    return { listing: (await deps.hub.getListing(who.tenant_id, existing.id)) ?? existing, created: false };
  }
  const listing = await deps.hub.putListing(
    who.tenant_id,
    { kind: body.kind, source_cube_id: body.cube_id, source_id: body.id, source_version: version, visibility: body.visibility, title: listingTitle(content), content, note, publisher_key_id: who.key_id, publisher_user_id: owner, embedder: deps.embedder.id, vector: encodeVector(vector), expires_at },
    existing?.id ?? null,
  );
  // Back to pending: out of hub search until approved again.
  if (existing && deps.vectorIndex) await deps.vectorIndex.deleteByIds([listing.id]);
  await deps.audit?.record(who.tenant_id, actorOf(who), { action: "hub.publish", target_ids: [listing.id, body.cube_id, body.id] });
  return { listing, created: existing === null };
}

export interface ListingQuery {
  status?: ListingStatus | undefined;
  kind?: HubKind | undefined;
  group_id?: string | undefined;
  limit: number;
  before?: { u: number; i: string } | undefined;
}

function audienceOf(who: HubCaller, v: HubViewer, groups: Set<string>): ListingFilter["audience"] {
  if (v.approver) return null;
  return { all_groups: v.tenant_wide, groups: [...groups], publisher_key_id: who.key_id, publisher_user_ids: v.user_ids };
}

/** Listings the caller sees, newest change first: approved ones of its audience, its own in any status; every one for approvers. */
export async function listListings(deps: HubDeps, who: HubCaller, q: ListingQuery): Promise<{ listings: StoredListing[]; next: { u: number; i: string } | null }> {
  const v = viewerOf(who);
  const groups = await groupsOf(deps, who, v);
  const rows = await deps.hub.listListings(who.tenant_id, { ...q, audience: audienceOf(who, v, groups), limit: q.limit + 1 });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  if (page.length) await deps.audit?.record(who.tenant_id, actorOf(who), { action: "hub.read", target_ids: page.map((l) => l.id) });
  return { listings: page.map((l) => shown(v, l)), next: rows.length > q.limit && last ? { u: last.updated_at, i: last.id } : null };
}

export async function readListing(deps: HubDeps, who: HubCaller, id: string): Promise<StoredListing> {
  const l = await visibleListing(deps, who, id);
  await deps.audit?.record(who.tenant_id, actorOf(who), { action: "hub.read", target_ids: [l.id] });
  return shown(viewerOf(who), l);
}

function assertApprover(who: HubCaller): void {
  if (!viewerOf(who).approver) throw new ApiError("forbidden", "reviewing hub listings needs the hub:admin (or admin) scope");
}

/**
 * Approves or rejects a pending listing, or the revision waiting beside an approved one (once: a
 * decided one answers 409). Approving a revision makes its snapshot the one served; rejecting it
 * leaves the approved snapshot serving.
 */
export async function decideListing(deps: HubDeps, who: HubCaller, id: string, decision: "approved" | "rejected", reason: string | null): Promise<StoredListing> {
  assertApprover(who);
  const l = await visibleListing(deps, who, id);
  const ofRevision = l.status === "approved" && l.revision?.status === "pending";
  const decided = ofRevision
    ? decision === "approved"
      ? await deps.hub.applyRevision(who.tenant_id, id, who.key_id)
      : await deps.hub.rejectRevision(who.tenant_id, id, who.key_id, reason)
    : await deps.hub.decide(who.tenant_id, id, decision, who.key_id, reason);
  if (!decided) throw new ApiError("conflict", `listing ${id} is ${l.status}, not pending: only a pending listing (or a pending revision) is approved or rejected`);
  const after = (await deps.hub.getListing(who.tenant_id, id)) as StoredListing;
  if (deps.vectorIndex && !(ofRevision && decision === "rejected")) {
    if (decision === "approved") {
      await deps.vectorIndex.upsert([{ id, values: decodeVector(after.vector), metadata: { tenant_id: who.tenant_id, cube_id: HUB_VECTOR_CUBE, state: "approved", created_at: after.created_at } }]);
    } else await deps.vectorIndex.deleteByIds([id]);
  }
  await deps.audit?.record(who.tenant_id, actorOf(who), { action: decision === "approved" ? "hub.approve" : "hub.reject", target_ids: [id] });
  return after;
}

/** Unpublishes a listing (the route needs memories:write): its publisher or an approver; gone from the hub and its vector from the index at once. */
export async function unpublish(deps: HubDeps, who: HubCaller, id: string): Promise<{ id: string; deleted: true }> {
  const l = await visibleListing(deps, who, id);
  const v = viewerOf(who);
  if (!v.approver && !isPublisher(v, l)) throw new ApiError("forbidden", "only the publisher or an approver may unpublish a listing");
  await deps.hub.deleteListing(who.tenant_id, id);
  if (deps.vectorIndex) await deps.vectorIndex.deleteByIds([id]);
  await deps.audit?.record(who.tenant_id, actorOf(who), { action: "hub.unpublish", target_ids: [id, l.source_cube_id, l.source_id] });
  return { id, deleted: true };
}

export interface HubSearchBody {
  query: string;
  kind?: HubKind | undefined;
  top_k: number;
}

/**
 * Approved listings the caller's audience holds, ranked by vector similarity (the tenant's index
 * when one is configured, else the vectors kept beside the listings) fused with BM25 over their
 * text. Tenant-wide from D1: no cube is asked.
 */
export async function searchHub(deps: HubDeps, who: HubCaller, body: HubSearchBody): Promise<Array<{ listing: StoredListing; score: number }>> {
  const v = viewerOf(who);
  const groups = await groupsOf(deps, who, v);
  const audience = v.approver ? { all_groups: true, groups: [], publisher_key_id: who.key_id, publisher_user_ids: [] } : audienceOf(who, v, groups);
  const candidates = await deps.hub.listListings(who.tenant_id, { status: "approved", kind: body.kind, audience, limit: HUB_LIMITS.searchScan });
  const byId = new Map(candidates.map((l) => [l.id, l]));
  const [q] = await deps.embedder.embed([body.query]);
  let vectorRank: string[] = [];
  if (q && deps.vectorIndex) {
    const matches = await deps.vectorIndex.query(q, { topK: 100, filter: { tenant_id: who.tenant_id, cube_id: HUB_VECTOR_CUBE } });
    vectorRank = matches.filter((m) => m.score >= MIN_COSINE && byId.has(m.id)).map((m) => m.id);
    // Vectors whose listing is gone (its source memory was deleted in the cube's D1 sink) are removed as they are met.
    const unseen = matches.map((m) => m.id).filter((id) => !byId.has(id));
    const live = await deps.hub.existingIds(who.tenant_id, unseen);
    const orphans = unseen.filter((id) => !live.has(id));
    if (orphans.length) await deps.vectorIndex.deleteByIds(orphans);
  } else if (q) {
    vectorRank = candidates
      .filter((l) => l.embedder === deps.embedder.id)
      .map((l) => ({ id: l.id, score: cosine(q, decodeVector(l.vector)) }))
      .filter((s) => s.score >= MIN_COSINE)
      .sort((a, b) => b.score - a.score)
      .map((s) => s.id);
  }
  const lexical = bm25(body.query, candidates.map((l) => listingText(l.content, l.note)));
  const lexicalRank = candidates
    .map((l, i) => ({ id: l.id, score: lexical[i] ?? 0 }))
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score)
    .map((s) => s.id);
  const ranked = fuseRanks(vectorRank, lexicalRank).slice(0, body.top_k);
  const results = ranked.map((r) => ({ listing: shown(v, byId.get(r.id) as StoredListing), score: r.score }));
  await deps.audit?.record(who.tenant_id, actorOf(who), { action: "hub.search", target_ids: results.map((r) => r.listing.id) });
  return results;
}

export type { HubListing };
