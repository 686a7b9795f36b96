// /v1/groups: named sets of the tenant's users and agents that hub listings may be shared with (admin manages them).
import { z } from "zod";
import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { scopeIdSchema } from "../memory/cube-contract";
import { HUB_LIMITS, MEMBER_KINDS, type HubGroup } from "../memory/hub/types";
import { addMembers, createGroup, deleteGroup, getGroup, listGroups, removeMembers, type HubDeps } from "../services/groups";
import { hubStore } from "../services/hub-store";

export const groups = routes();

/** The flows' dependencies with the hub's store. */
export const hubDepsOf = (c: Context<AppEnv>): HubDeps => ({ ...c.get("deps"), hub: hubStore(c.env.DB) });

const memberSchema = z.strictObject({ kind: z.enum(MEMBER_KINDS), id: scopeIdSchema }).describe("a user id or an agent id of the tenant: keys limited to it belong to the group");
const groupSchema = z.object({ id: z.string(), name: z.string(), description: z.string().nullable(), created_at: z.string(), created_by: z.string().describe("id of the key that created it") });
const groupWithMembers = groupSchema.extend({ members: z.array(z.object({ kind: z.enum(MEMBER_KINDS), id: z.string() })) });
const idParam = z.object({ id: z.string().min(1).max(100) });
const membersBody = z.strictObject({ members: z.array(memberSchema).min(1).max(HUB_LIMITS.membersPerCall) });

const out = (g: HubGroup) => ({ id: g.id, name: g.name, description: g.description, created_at: new Date(g.created_at).toISOString(), created_by: g.created_by });

const create = defineRoute({
  method: "post",
  path: "/",
  tags: ["hub"],
  scope: "admin",
  summary: "Create a group (a group of the same name is answered, not doubled)",
  request: {
    body: jsonContent(
      z.strictObject({
        name: z.string().min(1).max(HUB_LIMITS.groupNameChars).refine((s) => s.trim().length > 0, "must not be blank"),
        description: z.string().max(HUB_LIMITS.groupDescriptionChars).optional(),
      }),
    ),
  },
  responses: { 201: jsonAnswer(groupSchema, "Created"), 200: jsonAnswer(groupSchema, "A group of this name exists: it is answered") },
});
groups.openapi(create, async (c) => {
  const { group, created } = await createGroup(hubDepsOf(c), c.get("auth"), c.req.valid("json"));
  return created ? c.json(out(group), 201) : c.json(out(group), 200);
});

const list = defineRoute({
  method: "get",
  path: "/",
  tags: ["hub"],
  scope: "memories:read",
  summary: "Groups the caller sees: every group for an admin or a key without limits, else the groups its users or agents belong to",
  responses: { 200: jsonAnswer(z.object({ groups: z.array(groupSchema) })) },
});
groups.openapi(list, async (c) => c.json({ groups: (await listGroups(hubDepsOf(c), c.get("auth"))).map(out) }, 200));

const get = defineRoute({
  method: "get",
  path: "/{id}",
  tags: ["hub"],
  scope: "memories:read",
  summary: "A group and its members (for an admin, a key without limits, or a member)",
  request: { params: idParam },
  responses: { 200: jsonAnswer(groupWithMembers) },
});
groups.openapi(get, async (c) => {
  const g = await getGroup(hubDepsOf(c), c.get("auth"), c.req.valid("param").id);
  return c.json({ ...out(g), members: g.members }, 200);
});

const remove = defineRoute({
  method: "delete",
  path: "/{id}",
  tags: ["hub"],
  scope: "admin",
  summary: "Delete a group, its members and the listings shared with it",
  request: { params: idParam },
  responses: { 200: jsonAnswer(z.object({ id: z.string(), deleted: z.literal(true), listings_removed: z.number() })) },
});
groups.openapi(remove, async (c) => c.json(await deleteGroup(hubDepsOf(c), c.get("auth"), c.req.valid("param").id), 200));

const addRoute = defineRoute({
  method: "post",
  path: "/{id}/members",
  tags: ["hub"],
  scope: "admin",
  summary: "Add users or agents to a group (members already in it are kept once)",
  request: { params: idParam, body: jsonContent(membersBody) },
  responses: { 200: jsonAnswer(groupWithMembers.extend({ added: z.number() })) },
});
groups.openapi(addRoute, async (c) => {
  const g = await addMembers(hubDepsOf(c), c.get("auth"), c.req.valid("param").id, c.req.valid("json").members);
  return c.json({ ...out(g), members: g.members, added: g.added }, 200);
});

const removeRoute = defineRoute({
  method: "delete",
  path: "/{id}/members",
  tags: ["hub"],
  scope: "admin",
  summary: "Remove users or agents from a group",
  request: { params: idParam, body: jsonContent(membersBody) },
  responses: { 200: jsonAnswer(groupWithMembers.extend({ removed: z.number() })) },
});
groups.openapi(removeRoute, async (c) => {
  const g = await removeMembers(hubDepsOf(c), c.get("auth"), c.req.valid("param").id, c.req.valid("json").members);
  return c.json({ ...out(g), members: g.members, removed: g.removed }, 200);
});
