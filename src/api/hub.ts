// /v1/hub: publish memories and skills to the tenant's hub, review them, search, install, and see which installs have a newer source.
import { z } from "zod";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { cubeIdSchema, LIMITS, scopeIdSchema } from "../memory/cube-contract";
import { HUB_KINDS, HUB_LIMITS, LISTING_STATUSES } from "../memory/hub/types";
import { decodeCursor, encodeCursor } from "./cursor";
import { hubDepsOf } from "./groups";
import { decideListing, listListings, publish, readListing, searchHub, unpublish } from "../services/hub";
import { installListing, installsOf } from "../services/hub-install";
import { cubeSkills } from "../services/hub-skills";
import type { StoredListing } from "../services/hub-store";

export const hub = routes();

const visibilitySchema = z
  .union([z.strictObject({ tenant: z.literal(true) }), z.strictObject({ group_id: z.string().min(1).max(100) })])
  .describe("who sees the listing once approved: the whole tenant ({tenant: true}) or one group ({group_id})");
const idParam = z.object({ id: z.string().min(1).max(100) });

const visibilityOut = z.union([z.object({ tenant: z.literal(true) }), z.object({ group_id: z.string() })]);

const listingSchema = z.object({
  id: z.string(),
  kind: z.enum(HUB_KINDS),
  source: z.object({ cube_id: z.string(), id: z.string(), version: z.number().describe("the source's version this snapshot holds") }),
  visibility: visibilityOut,
  title: z.string(),
  content: z
    .record(z.string(), z.unknown())
    .describe("the snapshot as published (desensitized as stored): a memory's text, type and tags, or a skill's draft fields"),
  note: z.string().nullable(),
  status: z.enum(LISTING_STATUSES),
  reason: z.string().nullable().describe("why it was rejected"),
  publisher_key_id: z.string(),
  decided_by: z.string().nullable(),
  decided_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  expires_at: z.string().nullable().describe("the source memory's expiry, which the listing and installed copies take (never read from then on); null: never"),
  revision: z
    .object({
      status: z.enum(["pending", "rejected"]),
      source: z.object({ version: z.number() }),
      visibility: visibilityOut,
      title: z.string(),
      content: z.record(z.string(), z.unknown()),
      note: z.string().nullable(),
      reason: z.string().nullable().describe("why it was rejected"),
      publisher_key_id: z.string(),
      decided_by: z.string().nullable(),
      decided_at: z.string().nullable(),
      created_at: z.string(),
      expires_at: z.string().nullable(),
    })
    .nullable()
    .describe("a newer snapshot re-published while this approved one serves: waiting for review (approve or reject the listing to decide it), or rejected; shown to its publisher and approvers only"),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
export function listingOut(l: StoredListing) {
  return {
    id: l.id,
    kind: l.kind,
    source: { cube_id: l.source_cube_id, id: l.source_id, version: l.source_version },
    visibility: l.visibility,
    title: l.title,
    content: l.content.kind === "memory" ? { ...l.content.memory } : { ...l.content.skill },
    note: l.note,
    status: l.status,
    reason: l.reason,
    publisher_key_id: l.publisher_key_id,
    decided_by: l.decided_by,
    decided_at: iso(l.decided_at),
    created_at: iso(l.created_at) as string,
    updated_at: iso(l.updated_at) as string,
    expires_at: iso(l.expires_at),
    revision: l.revision
      ? {
          status: l.revision.status,
          source: { version: l.revision.source_version },
          visibility: l.revision.visibility,
          title: l.revision.title,
          content: l.revision.content.kind === "memory" ? { ...l.revision.content.memory } : { ...l.revision.content.skill },
          note: l.revision.note,
          reason: l.revision.reason,
          publisher_key_id: l.revision.publisher_key_id,
          decided_by: l.revision.decided_by,
          decided_at: iso(l.revision.decided_at),
          created_at: iso(l.revision.created_at) as string,
          expires_at: iso(l.revision.expires_at),
        }
      : null,
  };
}

const publishRoute = defineRoute({
  method: "post",
  path: "/listings",
  tags: ["hub"],
  scope: "memories:write",
  summary: "Publish a memory or skill of a cube the caller may write, as a pending snapshot; a newer version of the same source replaces it (back to pending)",
  request: {
    body: jsonContent(
      z.strictObject({
        kind: z.enum(HUB_KINDS),
        cube_id: cubeIdSchema,
        id: z.string().min(1).max(200).describe("the memory or skill id in that cube"),
        visibility: visibilitySchema,
        note: z.string().max(HUB_LIMITS.noteChars).optional(),
      }),
    ),
  },
  responses: { 201: jsonAnswer(listingSchema, "Published, pending review"), 200: jsonAnswer(listingSchema, "Re-published (pending again), or unchanged") },
});
hub.openapi(publishRoute, async (c) => {
  const deps = hubDepsOf(c);
  const { listing, created } = await publish(deps, cubeSkills(deps), c.get("auth"), c.req.valid("json"));
  return created ? c.json(listingOut(listing), 201) : c.json(listingOut(listing), 200);
});

const cursorShape = z.object({ u: z.number(), i: z.string() });
const listRoute = defineRoute({
  method: "get",
  path: "/listings",
  tags: ["hub"],
  scope: "memories:read",
  summary: "Listings the caller sees, newest change first: approved ones for its tenant or groups, its own in any status, all of them for approvers",
  request: {
    query: z.strictObject({
      status: z.enum(LISTING_STATUSES).optional(),
      kind: z.enum(HUB_KINDS).optional(),
      group_id: z.string().min(1).max(100).optional(),
      limit: z.coerce.number().int().min(1).max(HUB_LIMITS.listLimit).default(50),
      cursor: z.string().max(500).optional(),
    }),
  },
  responses: { 200: jsonAnswer(z.object({ listings: z.array(listingSchema), next_cursor: z.string().nullable() })) },
});
hub.openapi(listRoute, async (c) => {
  const { cursor, ...q } = c.req.valid("query");
  const before = cursor === undefined ? undefined : decodeCursor(cursor, cursorShape);
  const { listings, next } = await listListings(hubDepsOf(c), c.get("auth"), { ...q, before });
  return c.json({ listings: listings.map(listingOut), next_cursor: next ? encodeCursor(next) : null }, 200);
});

const getRoute = defineRoute({
  method: "get",
  path: "/listings/{id}",
  tags: ["hub"],
  scope: "memories:read",
  summary: "One listing the caller sees",
  request: { params: idParam },
  responses: { 200: jsonAnswer(listingSchema) },
});
hub.openapi(getRoute, async (c) => c.json(listingOut(await readListing(hubDepsOf(c), c.get("auth"), c.req.valid("param").id)), 200));

const approveRoute = defineRoute({
  method: "post",
  path: "/listings/{id}/approve",
  tags: ["hub"],
  scope: "hub:admin",
  summary: "Approve a pending listing (hub:admin or admin)",
  request: { params: idParam, body: jsonContent(z.strictObject({})) },
  responses: { 200: jsonAnswer(listingSchema) },
});
hub.openapi(approveRoute, async (c) => c.json(listingOut(await decideListing(hubDepsOf(c), c.get("auth"), c.req.valid("param").id, "approved", null)), 200));

const rejectRoute = defineRoute({
  method: "post",
  path: "/listings/{id}/reject",
  tags: ["hub"],
  scope: "hub:admin",
  summary: "Reject a pending listing with a reason (hub:admin or admin)",
  request: { params: idParam, body: jsonContent(z.strictObject({ reason: z.string().min(1).max(HUB_LIMITS.reasonChars).refine((s) => s.trim().length > 0, "must not be blank") })) },
  responses: { 200: jsonAnswer(listingSchema) },
});
hub.openapi(rejectRoute, async (c) => c.json(listingOut(await decideListing(hubDepsOf(c), c.get("auth"), c.req.valid("param").id, "rejected", c.req.valid("json").reason)), 200));

const deleteRoute = defineRoute({
  method: "delete",
  path: "/listings/{id}",
  tags: ["hub"],
  scope: "memories:write",
  summary: "Unpublish a listing: its publisher or an approver (hub:admin); gone from hub search at once",
  request: { params: idParam },
  responses: { 200: jsonAnswer(z.object({ id: z.string(), deleted: z.literal(true) })) },
});
hub.openapi(deleteRoute, async (c) => c.json(await unpublish(hubDepsOf(c), c.get("auth"), c.req.valid("param").id), 200));

const searchRoute = defineRoute({
  method: "post",
  path: "/search",
  tags: ["hub"],
  scope: "memories:read",
  summary: "Search the approved listings the caller sees, by vector and keyword, tenant-wide (no cube is asked)",
  request: {
    body: jsonContent(
      z.strictObject({
        query: z.string().min(1).max(LIMITS.queryChars).refine((s) => s.trim().length > 0, "must not be blank"),
        kind: z.enum(HUB_KINDS).optional(),
        top_k: z.number().int().min(1).max(LIMITS.topK).default(10),
      }),
    ),
  },
  responses: { 200: jsonAnswer(z.object({ results: z.array(z.object({ listing: listingSchema, score: z.number() })) })) },
});
hub.openapi(searchRoute, async (c) => {
  const results = await searchHub(hubDepsOf(c), c.get("auth"), c.req.valid("json"));
  return c.json({ results: results.map((r) => ({ listing: listingOut(r.listing), score: r.score })) }, 200);
});

const installSchema = z.object({
  listing_id: z.string(),
  kind: z.enum(HUB_KINDS),
  target_cube_id: z.string(),
  source_id: z.string(),
  installed_id: z.string().describe("the memory or skill the install made in the target cube"),
  installed_version: z.number().describe("the source version the copy holds"),
  created_at: z.string(),
  updated_at: z.string(),
});
const installRoute = defineRoute({
  method: "post",
  path: "/listings/{id}/install",
  tags: ["hub"],
  scope: "memories:write",
  summary: "Copy an approved memory listing into a cube the caller may write (infer false, with hub provenance in metadata) or install a skill listing; the same version twice is answered once, a newer one upgrades",
  request: {
    params: idParam,
    body: jsonContent(
      z
        .strictObject({ cube_id: cubeIdSchema.optional(), user_id: scopeIdSchema.optional() })
        .refine((b) => (b.cube_id === undefined) !== (b.user_id === undefined), { message: "give exactly one of cube_id or user_id" }),
    ),
  },
  responses: { 201: jsonAnswer(installSchema.extend({ upgraded: z.boolean() }), "Installed"), 200: jsonAnswer(installSchema.extend({ upgraded: z.boolean() }), "Installed already at this version, or upgraded") },
});
const installOut = (i: { listing_id: string; kind: string; target_cube_id: string; source_id: string; installed_id: string; installed_version: number; created_at: number; updated_at: number }) => ({
  listing_id: i.listing_id,
  kind: i.kind as (typeof HUB_KINDS)[number],
  target_cube_id: i.target_cube_id,
  source_id: i.source_id,
  installed_id: i.installed_id,
  installed_version: i.installed_version,
  created_at: iso(i.created_at) as string,
  updated_at: iso(i.updated_at) as string,
});
hub.openapi(installRoute, async (c) => {
  const deps = hubDepsOf(c);
  const { install, created, upgraded } = await installListing(deps, cubeSkills(deps), c.get("auth"), c.req.valid("param").id, c.req.valid("json"));
  return created ? c.json({ ...installOut(install), upgraded }, 201) : c.json({ ...installOut(install), upgraded }, 200);
});

const installsRoute = defineRoute({
  method: "get",
  path: "/installs",
  tags: ["hub"],
  scope: "memories:read",
  summary: "Hub installs in a cube the caller may read, each saying whether its source has a newer version (update_available) and whether reinstalling upgrades now (upgrade_ready)",
  request: {
    query: z
      .strictObject({ cube_id: cubeIdSchema.optional(), user_id: scopeIdSchema.optional() })
      .refine((b) => (b.cube_id === undefined) !== (b.user_id === undefined), { message: "give exactly one of cube_id or user_id" }),
  },
  responses: {
    200: jsonAnswer(
      z.object({
        installs: z.array(
          installSchema.extend({
            listing_version: z.number().nullable(),
            listing_status: z.enum([...LISTING_STATUSES, "removed"]),
            source_version: z.number().nullable(),
            update_available: z.boolean(),
            upgrade_ready: z.boolean(),
          }),
        ),
      }),
    ),
  },
});
hub.openapi(installsRoute, async (c) => {
  const rows = await installsOf(hubDepsOf(c), c.get("auth"), c.req.valid("query"));
  return c.json(
    { installs: rows.map((r) => ({ ...installOut(r), listing_version: r.listing_version, listing_status: r.listing_status, source_version: r.source_version, update_available: r.update_available, upgrade_ready: r.upgrade_ready })) },
    200,
  );
});
