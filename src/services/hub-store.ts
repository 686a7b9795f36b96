// The hub in D1: groups and their members, listings and installs; every query names the tenant.
import type { VectorIndex } from "../memory/vectors/vector-index";
import type { GroupMember, HubGroup, HubInstall, HubKind, HubListing, ListingContent, ListingRevision, ListingStatus, MemberKind } from "../memory/hub/types";

interface ListingRow {
  id: string;
  kind: string;
  source_cube_id: string;
  source_id: string;
  source_version: number;
  visibility: string;
  group_id: string | null;
  title: string;
  content: string;
  note: string | null;
  status: string;
  reason: string | null;
  publisher_key_id: string;
  publisher_user_id: string | null;
  decided_by: string | null;
  decided_at: number | null;
  embedder: string;
  vector: string;
  created_at: number;
  updated_at: number;
  expires_at: number | null;
  pending_revision: string | null;
}

/** A listing with what search needs beside it: its embedder and stored vector. */
export interface StoredListing extends HubListing {
  embedder: string;
  vector: string;
}

const LISTING_COLUMNS =
  "id, kind, source_cube_id, source_id, source_version, visibility, group_id, title, content, note, status, reason, publisher_key_id, publisher_user_id, decided_by, decided_at, embedder, vector, created_at, updated_at, expires_at, pending_revision";
// A listing whose source cube was deleted is gone at once, before anything removes its row, and
// stays gone when a cube of the same id is made again (that cube was registered after the listing).
// A listing that expired with its source memory is gone from its expiry on, before a task has run.
const LIVE =
  "EXISTS (SELECT 1 FROM cubes WHERE cubes.tenant_id = hub_listings.tenant_id AND cubes.id = hub_listings.source_cube_id AND cubes.created_at <= hub_listings.created_at)" +
  " AND (hub_listings.expires_at IS NULL OR hub_listings.expires_at > (julianday('now') - 2440587.5) * 86400000.0)";

function listing(r: ListingRow): StoredListing {
  return {
    id: r.id,
    kind: r.kind as HubKind,
    source_cube_id: r.source_cube_id,
    source_id: r.source_id,
    source_version: r.source_version,
    visibility: r.visibility === "group" && r.group_id !== null ? { group_id: r.group_id } : { tenant: true },
    title: r.title,
    content: JSON.parse(r.content) as ListingContent,
    note: r.note,
    status: r.status as ListingStatus,
    reason: r.reason,
    publisher_key_id: r.publisher_key_id,
    publisher_user_id: r.publisher_user_id,
    decided_by: r.decided_by,
    decided_at: r.decided_at,
    embedder: r.embedder,
    vector: r.vector,
    created_at: r.created_at,
    updated_at: r.updated_at,
    expires_at: r.expires_at,
    revision: r.pending_revision === null ? null : (JSON.parse(r.pending_revision) as ListingRevision),
  };
}

export interface ListingFilter {
  status?: ListingStatus | undefined;
  kind?: HubKind | undefined;
  group_id?: string | undefined;
  /**
   * What the caller may see: null for everything (approvers); else approved listings of the
   * tenant or of these groups (all groups when `all_groups`), plus listings these publishers made.
   */
  audience: { all_groups: boolean; groups: string[]; publisher_key_id: string; publisher_user_ids: string[] } | null;
  /** Keyset: listings strictly older than (updated_at, id). */
  before?: { u: number; i: string } | undefined;
  limit: number;
}

export interface NewListing {
  kind: HubKind;
  source_cube_id: string;
  source_id: string;
  source_version: number;
  visibility: HubListing["visibility"];
  title: string;
  content: ListingContent;
  note: string | null;
  publisher_key_id: string;
  publisher_user_id: string | null;
  embedder: string;
  vector: string;
  expires_at: number | null;
}

export const newHubId = (prefix: "grp" | "lst") => `${prefix}_${crypto.randomUUID().replace(/-/g, "")}`;

export function hubStore(db: D1Database) {
  const json = (v: unknown) => JSON.stringify(v);
  return {
    // ---- groups
    async createGroup(tenant: string, g: { name: string; description: string | null; created_by: string }): Promise<{ group: HubGroup; created: boolean }> {
      const existing = await db.prepare("SELECT id, name, description, created_at, created_by FROM hub_groups WHERE tenant_id = ? AND name = ?").bind(tenant, g.name).first<HubGroup>();
      if (existing) return { group: existing, created: false };
      const group: HubGroup = { id: newHubId("grp"), name: g.name, description: g.description, created_at: Date.now(), created_by: g.created_by };
      const r = await db
        .prepare("INSERT INTO hub_groups (tenant_id, id, name, description, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(tenant, group.id, group.name, group.description, group.created_at, group.created_by)
        .run();
      if (r.meta.changes === 0) {
        const raced = await db.prepare("SELECT id, name, description, created_at, created_by FROM hub_groups WHERE tenant_id = ? AND name = ?").bind(tenant, g.name).first<HubGroup>();
        if (raced) return { group: raced, created: false };
      }
      return { group, created: true };
    },
    async countGroups(tenant: string): Promise<number> {
      return (await db.prepare("SELECT COUNT(*) AS n FROM hub_groups WHERE tenant_id = ?").bind(tenant).first<{ n: number }>())?.n ?? 0;
    },
    async getGroup(tenant: string, id: string): Promise<HubGroup | null> {
      return db.prepare("SELECT id, name, description, created_at, created_by FROM hub_groups WHERE tenant_id = ? AND id = ?").bind(tenant, id).first<HubGroup>();
    },
    /** Groups by name; `only` narrows to these ids. */
    async listGroups(tenant: string, only: string[] | null, limit: number): Promise<HubGroup[]> {
      const rows = only
        ? await db.prepare("SELECT id, name, description, created_at, created_by FROM hub_groups WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY name LIMIT ?").bind(tenant, json(only), limit).all<HubGroup>()
        : await db.prepare("SELECT id, name, description, created_at, created_by FROM hub_groups WHERE tenant_id = ? ORDER BY name LIMIT ?").bind(tenant, limit).all<HubGroup>();
      return rows.results;
    },
    /** Deletes a group, its members, and the listings shared with it (their vectors are the caller's to remove); the removed listing ids. */
    async deleteGroup(tenant: string, id: string): Promise<string[]> {
      const listings = await db.prepare("SELECT id FROM hub_listings WHERE tenant_id = ? AND group_id = ?").bind(tenant, id).all<{ id: string }>();
      await db.batch([
        db.prepare("DELETE FROM hub_group_members WHERE tenant_id = ? AND group_id = ?").bind(tenant, id),
        db.prepare("DELETE FROM hub_listings WHERE tenant_id = ? AND group_id = ?").bind(tenant, id),
        db.prepare("DELETE FROM hub_groups WHERE tenant_id = ? AND id = ?").bind(tenant, id),
      ]);
      return listings.results.map((r) => r.id);
    },
    async members(tenant: string, groupId: string): Promise<GroupMember[]> {
      const rows = await db.prepare("SELECT member_kind AS kind, member_id AS id FROM hub_group_members WHERE tenant_id = ? AND group_id = ? ORDER BY member_kind, member_id").bind(tenant, groupId).all<{ kind: MemberKind; id: string }>();
      return rows.results;
    },
    async addMembers(tenant: string, groupId: string, members: readonly GroupMember[]): Promise<number> {
      if (members.length === 0) return 0;
      const now = Date.now();
      const stmt = db.prepare("INSERT INTO hub_group_members (tenant_id, group_id, member_kind, member_id, added_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
      const results = await db.batch(members.map((m) => stmt.bind(tenant, groupId, m.kind, m.id, now)));
      return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
    },
    async removeMembers(tenant: string, groupId: string, members: readonly GroupMember[]): Promise<number> {
      if (members.length === 0) return 0;
      const stmt = db.prepare("DELETE FROM hub_group_members WHERE tenant_id = ? AND group_id = ? AND member_kind = ? AND member_id = ?");
      const results = await db.batch(members.map((m) => stmt.bind(tenant, groupId, m.kind, m.id)));
      return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
    },
    /** The groups these members belong to. */
    async groupsOf(tenant: string, members: readonly GroupMember[]): Promise<string[]> {
      if (members.length === 0) return [];
      const rows = await db
        .prepare(
          "SELECT DISTINCT group_id FROM hub_group_members WHERE tenant_id = ? AND EXISTS (SELECT 1 FROM json_each(?) m WHERE json_extract(m.value, '$.kind') = member_kind AND json_extract(m.value, '$.id') = member_id)",
        )
        .bind(tenant, json(members))
        .all<{ group_id: string }>();
      return rows.results.map((r) => r.group_id);
    },

    // ---- listings
    async listingBySource(tenant: string, kind: HubKind, cubeId: string, sourceId: string): Promise<StoredListing | null> {
      const r = await db.prepare(`SELECT ${LISTING_COLUMNS} FROM hub_listings WHERE tenant_id = ? AND kind = ? AND source_cube_id = ? AND source_id = ?`).bind(tenant, kind, cubeId, sourceId).first<ListingRow>();
      return r ? listing(r) : null;
    },
    async getListing(tenant: string, id: string): Promise<StoredListing | null> {
      const r = await db.prepare(`SELECT ${LISTING_COLUMNS} FROM hub_listings WHERE tenant_id = ? AND id = ? AND ${LIVE}`).bind(tenant, id).first<ListingRow>();
      return r ? listing(r) : null;
    },
    /** Inserts a listing, or replaces the snapshot of the source's listing (back to pending); the stored listing. */
    async putListing(tenant: string, l: NewListing, existingId: string | null): Promise<StoredListing> {
      const now = Date.now();
      const visibility = "tenant" in l.visibility ? "tenant" : "group";
      const groupId = "group_id" in l.visibility ? l.visibility.group_id : null;
      if (existingId) {
        await db
          .prepare(
            "UPDATE hub_listings SET source_version = ?, visibility = ?, group_id = ?, title = ?, content = ?, note = ?, status = 'pending', reason = NULL, decided_by = NULL, decided_at = NULL, publisher_key_id = ?, publisher_user_id = ?, embedder = ?, vector = ?, updated_at = ?, expires_at = ?, pending_revision = NULL WHERE tenant_id = ? AND id = ?",
          )
          .bind(l.source_version, visibility, groupId, l.title, json(l.content), l.note, l.publisher_key_id, l.publisher_user_id, l.embedder, l.vector, now, l.expires_at, tenant, existingId)
          .run();
      } else {
        await db
          .prepare(
            `INSERT INTO hub_listings (tenant_id, ${LISTING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', NULL, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, NULL)
             ON CONFLICT (tenant_id, kind, source_cube_id, source_id) DO NOTHING`,
          )
          .bind(tenant, newHubId("lst"), l.kind, l.source_cube_id, l.source_id, l.source_version, visibility, groupId, l.title, json(l.content), l.note, l.publisher_key_id, l.publisher_user_id, l.embedder, l.vector, now, now, l.expires_at)
          .run();
      }
      const stored = await this.listingBySource(tenant, l.kind, l.source_cube_id, l.source_id);
      if (!stored) throw new Error("hub listing vanished while it was written");
      return stored;
    },
    /** Sets (or, with null, drops) the newer snapshot waiting beside an approved listing. */
    async putRevision(tenant: string, id: string, revision: ListingRevision | null): Promise<void> {
      await db.prepare("UPDATE hub_listings SET pending_revision = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND status = 'approved'").bind(revision === null ? null : json(revision), Date.now(), tenant, id).run();
    },
    /**
     * Approves the pending revision of an approved listing: its snapshot becomes the one served
     * (one statement, so a concurrent decision finds it gone); false when none was pending.
     */
    async applyRevision(tenant: string, id: string, by: string): Promise<boolean> {
      const now = Date.now();
      const rev = "json_extract(pending_revision, ?)";
      const r = await db
        .prepare(
          `UPDATE hub_listings SET source_version = ${rev}, visibility = CASE WHEN ${rev} IS NULL THEN 'tenant' ELSE 'group' END, group_id = ${rev},
             title = ${rev}, content = json(${rev}), note = ${rev}, publisher_key_id = ${rev}, publisher_user_id = ${rev}, embedder = ${rev}, vector = ${rev},
             expires_at = ${rev}, reason = NULL, decided_by = ?, decided_at = ?, updated_at = ?, pending_revision = NULL
           WHERE tenant_id = ? AND id = ? AND status = 'approved' AND json_extract(pending_revision, '$.status') = 'pending'`,
        )
        .bind("$.source_version", "$.visibility.group_id", "$.visibility.group_id", "$.title", "$.content", "$.note", "$.publisher_key_id", "$.publisher_user_id", "$.embedder", "$.vector", "$.expires_at", by, now, now, tenant, id)
        .run();
      return (r.meta.changes ?? 0) > 0;
    },
    /** Rejects the pending revision of an approved listing (the approved one keeps serving); false when none was pending. */
    async rejectRevision(tenant: string, id: string, by: string, reason: string | null): Promise<boolean> {
      const now = Date.now();
      const r = await db
        .prepare(
          "UPDATE hub_listings SET pending_revision = json_set(pending_revision, '$.status', 'rejected', '$.reason', ?, '$.decided_by', ?, '$.decided_at', ?), updated_at = ? WHERE tenant_id = ? AND id = ? AND status = 'approved' AND json_extract(pending_revision, '$.status') = 'pending'",
        )
        .bind(reason, by, now, now, tenant, id)
        .run();
      return (r.meta.changes ?? 0) > 0;
    },
    /** Moves a pending listing to approved or rejected; false when it was not pending (nothing changed). */
    async decide(tenant: string, id: string, status: "approved" | "rejected", by: string, reason: string | null): Promise<boolean> {
      const r = await db
        .prepare("UPDATE hub_listings SET status = ?, reason = ?, decided_by = ?, decided_at = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND status = 'pending'")
        .bind(status, reason, by, Date.now(), Date.now(), tenant, id)
        .run();
      return (r.meta.changes ?? 0) > 0;
    },
    async deleteListing(tenant: string, id: string): Promise<boolean> {
      const r = await db.prepare("DELETE FROM hub_listings WHERE tenant_id = ? AND id = ?").bind(tenant, id).run();
      return (r.meta.changes ?? 0) > 0;
    },
    /** Listings by the filter, newest change first. */
    async listListings(tenant: string, f: ListingFilter): Promise<StoredListing[]> {
      const where = ["tenant_id = ?", LIVE];
      const args: Array<string | number> = [tenant];
      const add = (cond: string, ...values: Array<string | number>) => {
        where.push(cond);
        args.push(...values);
      };
      // The review queue holds approved listings with a newer snapshot waiting, too: for approvers
      // (no audience) and the revision's publisher, who alone see revisions.
      if (f.status === "pending" && f.audience === null) add("(status = 'pending' OR json_extract(pending_revision, '$.status') = 'pending')");
      else if (f.status === "pending" && f.audience)
        add(
          "(status = 'pending' OR (json_extract(pending_revision, '$.status') = 'pending' AND (publisher_key_id = ? OR publisher_user_id IN (SELECT value FROM json_each(?)))))",
          f.audience.publisher_key_id,
          json(f.audience.publisher_user_ids),
        );
      else if (f.status) add("status = ?", f.status);
      if (f.kind) add("kind = ?", f.kind);
      if (f.group_id) add("group_id = ?", f.group_id);
      if (f.audience) {
        const a = f.audience;
        const audience = a.all_groups ? "1 = 1" : "(visibility = 'tenant' OR group_id IN (SELECT value FROM json_each(?)))";
        where.push(`((status = 'approved' AND ${audience}) OR publisher_key_id = ? OR publisher_user_id IN (SELECT value FROM json_each(?)))`);
        if (!a.all_groups) args.push(json(a.groups));
        args.push(a.publisher_key_id, json(a.publisher_user_ids));
      }
      if (f.before) add("(updated_at < ? OR (updated_at = ? AND id < ?))", f.before.u, f.before.u, f.before.i);
      const rows = await db.prepare(`SELECT ${LISTING_COLUMNS} FROM hub_listings WHERE ${where.join(" AND ")} ORDER BY updated_at DESC, id DESC LIMIT ?`).bind(...args, f.limit).all<ListingRow>();
      return rows.results.map(listing);
    },
    /** Which of these listing ids still have a row (in any status). */
    async existingIds(tenant: string, ids: readonly string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await db.prepare("SELECT id FROM hub_listings WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))").bind(tenant, json(ids)).all<{ id: string }>();
      return new Set(rows.results.map((r) => r.id));
    },
    /** Listing ids of these source memories (for the removal when they are deleted). */
    async listingsOfSources(tenant: string, kind: HubKind, sourceIds: readonly string[]): Promise<string[]> {
      const rows = await db.prepare("SELECT id FROM hub_listings WHERE tenant_id = ? AND kind = ? AND source_id IN (SELECT value FROM json_each(?))").bind(tenant, kind, json(sourceIds)).all<{ id: string }>();
      return rows.results.map((r) => r.id);
    },

    // ---- installs
    async getInstall(tenant: string, listingId: string, cubeId: string): Promise<HubInstall | null> {
      return db
        .prepare("SELECT listing_id, target_cube_id, kind, source_id, installed_id, installed_version, created_at, updated_at FROM hub_installs WHERE tenant_id = ? AND listing_id = ? AND target_cube_id = ?")
        .bind(tenant, listingId, cubeId)
        .first<HubInstall>();
    },
    async putInstall(tenant: string, i: Omit<HubInstall, "created_at" | "updated_at">): Promise<HubInstall> {
      const now = Date.now();
      await db
        .prepare(
          `INSERT INTO hub_installs (tenant_id, listing_id, target_cube_id, kind, source_id, installed_id, installed_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (tenant_id, listing_id, target_cube_id) DO UPDATE SET installed_id = excluded.installed_id, installed_version = excluded.installed_version, updated_at = excluded.updated_at`,
        )
        .bind(tenant, i.listing_id, i.target_cube_id, i.kind, i.source_id, i.installed_id, i.installed_version, now, now)
        .run();
      return (await this.getInstall(tenant, i.listing_id, i.target_cube_id)) as HubInstall;
    },
    /** Installs into a cube, with their listing (null once unpublished) and the catalog's version of a memory source (null when absent). */
    async installsOf(tenant: string, cubeId: string, limit: number): Promise<Array<{ install: HubInstall; listing: StoredListing | null; catalog_version: number | null }>> {
      const rows = await db
        .prepare(
          `SELECT i.listing_id, i.target_cube_id, i.kind, i.source_id, i.installed_id, i.installed_version, i.created_at, i.updated_at,
             (SELECT m.version FROM memories m WHERE m.tenant_id = i.tenant_id AND m.id = i.source_id AND i.kind = 'memory' AND m.state != 'deleted') AS catalog_version
           FROM hub_installs i WHERE i.tenant_id = ? AND i.target_cube_id = ? ORDER BY i.updated_at DESC LIMIT ?`,
        )
        .bind(tenant, cubeId, limit)
        .all<HubInstall & { catalog_version: number | null }>();
      const out = [];
      for (const { catalog_version, ...install } of rows.results) out.push({ install, listing: await this.getListing(tenant, install.listing_id), catalog_version });
      return out;
    },

    /** Up to `limit` listing ids of a tenant, in id order, whatever their state (the tenant is being deleted). */
    async tenantListingIds(tenant: string, limit: number): Promise<string[]> {
      const rows = await db.prepare("SELECT id FROM hub_listings WHERE tenant_id = ? ORDER BY id LIMIT ?").bind(tenant, limit).all<{ id: string }>();
      return rows.results.map((r) => r.id);
    },
    /** Deletes these listings of a tenant (their vectors are the caller's to remove first); the rows removed. */
    async deleteListings(tenant: string, ids: readonly string[]): Promise<number> {
      if (ids.length === 0) return 0;
      const r = await db.prepare("DELETE FROM hub_listings WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))").bind(tenant, json(ids)).run();
      return r.meta.changes ?? 0;
    },
    /** Forgets every hub row of a tenant (the tenant is being deleted); the rows removed. */
    async removeTenant(tenant: string): Promise<number> {
      const results = await db.batch(["hub_installs", "hub_listings", "hub_group_members", "hub_groups"].map((t) => db.prepare(`DELETE FROM ${t} WHERE tenant_id = ?`).bind(tenant)));
      return results.reduce((n, r) => n + (r.meta.changes ?? 0), 0);
    },
  };
}

export type HubStore = ReturnType<typeof hubStore>;

/**
 * Takes deleted sources out of the hub: their listings (snapshot text included) and their vectors.
 * The skill delete flow calls it for a deleted skill; a memory's listings go in the cube's D1 sink.
 */
export async function unlistDeletedSources(db: D1Database, vectorIndex: VectorIndex | null, tenantId: string, kind: HubKind, sourceIds: readonly string[]): Promise<number> {
  const store = hubStore(db);
  const ids = await store.listingsOfSources(tenantId, kind, sourceIds);
  for (const id of ids) await store.deleteListing(tenantId, id);
  if (vectorIndex && ids.length) await vectorIndex.deleteByIds(ids);
  return ids.length;
}

/**
 * Removes the listings of deleted source memories, in the batch that deletes their catalog rows
 * (the cube's D1 sink calls it): a deleted memory's text leaves the hub with it.
 */
export function removeMemoryListingsStatement(db: D1Database, tenant: string, memoryIds: readonly string[]): D1PreparedStatement {
  return db.prepare("DELETE FROM hub_listings WHERE tenant_id = ? AND kind = 'memory' AND source_id IN (SELECT value FROM json_each(?))").bind(tenant, JSON.stringify(memoryIds));
}

/** Forgets a deleted cube in the hub: the listings it published (snapshot text included) and the installs into it. */
export async function removeCubeFromHub(db: D1Database, tenant: string, cubeId: string): Promise<void> {
  await db.batch([
    db.prepare("DELETE FROM hub_listings WHERE tenant_id = ? AND source_cube_id = ?").bind(tenant, cubeId),
    db.prepare("DELETE FROM hub_installs WHERE tenant_id = ? AND target_cube_id = ?").bind(tenant, cubeId),
  ]);
}
