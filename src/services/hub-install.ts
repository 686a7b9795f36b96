// Installing a hub listing into one's own cube (a memory copied with provenance, a skill installed), and which installs have a newer source.
import { ApiError } from "../errors";
import { sha256Hex } from "../governance/crypto";
import type { HubInstall } from "../memory/hub/types";
import { HUB_LIMITS } from "../memory/hub/types";
import type { MemoryType } from "../memory/types";
import { addMemories } from "./add-memories";
import { reachCube, reachWrite, targetCubeId, type CubeTarget } from "./access";
import { actorOf } from "./audit";
import { unwrap } from "./cubes";
import type { HubCaller, HubDeps } from "./groups";
import { visibleListing } from "./hub";
import type { HubSkills } from "./hub-skills";
import type { StoredListing } from "./hub-store";
import { editMemory } from "./memories";
import { writeAgent } from "../governance/access";

/** The provenance an installed copy carries in its metadata (memories) or hub field (skills). */
export const hubProvenance = (l: StoredListing) => ({ listing_id: l.id, source_cube_id: l.source_cube_id, source_id: l.source_id, source_version: l.source_version });

/** The cube's own idempotency key of a copy: one per listing version and earlier copy, so concurrent installs store one memory. */
async function copyKey(l: StoredListing, previous: string | null) {
  const key = `hub:${l.id}:v${l.source_version}:${previous ?? "new"}`;
  return { key, request_hash: await sha256Hex(key) };
}

/** Whether the memory an earlier install made is still there (the installer may have deleted it). */
async function liveCopy(deps: HubDeps, identity: { tenant_id: string; cube_id: string }, id: string): Promise<boolean> {
  const got = await deps.cube(identity).getMemory(identity, id);
  return got.ok && got.value.state !== "deleted";
}

/**
 * Installs an approved listing the caller sees into a cube it may write. Installing the same
 * listing version into the same cube again answers the first install (`created: false`); a newer
 * listing version upgrades the copy (a new version of the same memory, or of the same skill).
 */
export async function installListing(deps: HubDeps, skills: HubSkills, who: HubCaller, listingId: string, target: CubeTarget): Promise<{ install: HubInstall; created: boolean; upgraded: boolean }> {
  const l = await visibleListing(deps, who, listingId);
  if (l.status !== "approved") throw new ApiError("conflict", `listing ${listingId} is ${l.status}: only an approved listing can be installed`);
  const cubeId = targetCubeId(target);
  if (cubeId === l.source_cube_id) throw new ApiError("invalid_request", "the listing's source cube already holds it: install into another cube");
  const prior = await deps.hub.getInstall(who.tenant_id, l.id, cubeId);
  const hub = hubProvenance(l);
  let installedId: string;
  if (l.content.kind === "memory") {
    const snap = l.content.memory;
    // The copy expires when its source does (else the target cube's policy applies).
    const expiry = l.expires_at === null ? {} : { expires_at: new Date(l.expires_at).toISOString() };
    const reach = prior ? await reachCube(deps, who, { cube_id: cubeId }, "write").catch((err: unknown) => {
      // The cube of an earlier install was deleted since: install afresh (a user's cube is made again).
      if (err instanceof ApiError && err.code === "not_found") return null;
      throw err;
    }) : null;
    const live = prior && reach ? await liveCopy(deps, reach.identity, prior.installed_id) : false;
    if (prior && live && prior.installed_version === l.source_version) return { install: prior, created: false, upgraded: false };
    if (prior && live && reach) {
      const m = await editMemory(deps, reach.identity, prior.installed_id, { text: snap.text, tags: snap.tags, metadata: { hub }, ...expiry }, undefined);
      installedId = m.id;
    } else {
      const { outcome } = await addMemories(
        deps,
        who,
        { ...(target.cube_id !== undefined ? { cube_id: target.cube_id } : { user_id: target.user_id }), text: snap.text, infer: false, mode: "fast", sync: false, type: snap.type as MemoryType, tags: snap.tags, metadata: { hub }, ...expiry },
        await copyKey(l, prior?.installed_id ?? null),
      );
      const stored = outcome.kind === "stored" ? outcome.memories[0] : undefined;
      if (!stored) throw new ApiError("internal", "the copy was not stored");
      installedId = stored.id;
    }
  } else {
    const reachT = await reachWrite(deps, who, target);
    if (prior && prior.installed_version === l.source_version) {
      const still = await skills.get(reachT.identity, prior.installed_id);
      if (still) return { install: prior, created: false, upgraded: false };
    }
    // Like a copied memory: the target user's, under the key's only agent when it is limited to one.
    const agent = writeAgent(who.limits, undefined);
    if (!agent.ok) throw new ApiError("forbidden", agent.message);
    const owner = { user_id: target.user_id ?? null, agent_id: agent.agent_id ?? null };
    const skill = await skills.install(reachT.identity, { ...l.content.skill, source_message_ids: [] }, { listing_id: l.id, source_cube_id: l.source_cube_id, source_skill_id: l.source_id, source_version: l.source_version }, owner);
    await reachT.register();
    installedId = skill.id;
  }
  const install = await deps.hub.putInstall(who.tenant_id, { listing_id: l.id, target_cube_id: cubeId, kind: l.kind, source_id: l.source_id, installed_id: installedId, installed_version: l.source_version });
  await deps.audit?.record(who.tenant_id, actorOf(who), { action: "hub.install", target_ids: [l.id, cubeId, installedId] });
  return { install, created: prior === null, upgraded: prior !== null && prior.installed_version !== l.source_version };
}

export interface InstallStatus extends HubInstall {
  /** The listing's version now (null once unpublished or its source deleted). */
  listing_version: number | null;
  listing_status: StoredListing["status"] | "removed";
  /** The source's current version: a memory's from the D1 catalog, a skill's as last published (a revision waiting for review included). */
  source_version: number | null;
  /** The source has a newer version than the copy. */
  update_available: boolean;
  /** The listing holds that newer version (approved): installing again upgrades the copy now. */
  upgrade_ready: boolean;
}

/** Installs into a cube the caller may read, each with whether its source has moved on. */
export async function installsOf(deps: HubDeps, who: HubCaller, target: CubeTarget): Promise<InstallStatus[]> {
  const reach = await reachCube(deps, who, target, "read");
  const rows = await deps.hub.installsOf(who.tenant_id, reach.identity.cube_id, HUB_LIMITS.listLimit);
  return rows.map(({ install, listing, catalog_version }) => {
    const listingVersion = listing?.source_version ?? null;
    const published = listing ? Math.max(listingVersion ?? 0, listing.revision?.source_version ?? 0) : null;
    const source = install.kind === "memory" ? (listing ? Math.max(catalog_version ?? 0, published ?? 0) || null : catalog_version) : published;
    return {
      ...install,
      listing_version: listingVersion,
      listing_status: listing?.status ?? "removed",
      source_version: source,
      update_available: source !== null && source > install.installed_version,
      upgrade_ready: listing?.status === "approved" && listingVersion !== null && listingVersion > install.installed_version,
    };
  });
}
