// Grants: the owner of a cube gives read or write on it to another user, agent or cube of its tenant, and revokes it.
import { z } from "zod";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { cubeIdSchema, scopeIdSchema } from "../memory/cube-contract";
import { GRANTEE_KINDS, PERMISSIONS } from "../governance/access";
import { createGrant, grantsOf, grantsReceived, revokeGrant } from "../services/grant-flows";
import type { GrantRecord } from "../services/grants";

export const grantRoutes = routes();

const granteeSchema = z
  .strictObject({ kind: z.enum(GRANTEE_KINDS), id: cubeIdSchema })
  .refine((g) => g.kind === "cube" || scopeIdSchema.safeParse(g.id).success, { path: ["id"], message: "not a valid user or agent id" })
  .describe("who receives the grant: a user (keys limited to that user), an agent (keys limited to that agent) or a cube (keys limited to that cube)");
const createGrantBody = z.strictObject({ grantee: granteeSchema, permission: z.enum(PERMISSIONS).describe("write implies read") });
const grantSchema = z.object({
  id: z.string(),
  cube_id: z.string(),
  grantee: z.object({ kind: z.enum(GRANTEE_KINDS), id: z.string() }),
  permission: z.enum(PERMISSIONS),
  created_at: z.string(),
  created_by: z.string().describe("id of the key that granted it"),
  revoked_at: z.string().nullable(),
});
const cubeParams = z.object({ id: cubeIdSchema });

const grantOut = (g: GrantRecord) => ({
  id: g.id,
  cube_id: g.cube_id,
  grantee: { kind: g.grantee_kind, id: g.grantee_id },
  permission: g.permission,
  created_at: new Date(g.created_at).toISOString(),
  created_by: g.created_by,
  revoked_at: g.revoked_at === null ? null : new Date(g.revoked_at).toISOString(),
});

const create = defineRoute({
  method: "post",
  path: "/cubes/{id}/grants",
  tags: ["grants"],
  scope: "memories:write",
  summary: "Grant read or write on a cube the caller owns (a live grant to the same grantee is changed, not doubled)",
  request: { params: cubeParams, body: jsonContent(createGrantBody) },
  responses: { 201: jsonAnswer(grantSchema, "Granted"), 200: jsonAnswer(grantSchema, "The grantee held a grant already: its permission is now this one") },
});
grantRoutes.openapi(create, async (c) => {
  const body = c.req.valid("json");
  const { grant, created } = await createGrant(c.get("deps"), c.get("auth"), c.req.valid("param").id, { grantee_kind: body.grantee.kind, grantee_id: body.grantee.id, permission: body.permission });
  return created ? c.json(grantOut(grant), 201) : c.json(grantOut(grant), 200);
});

const list = defineRoute({
  method: "get",
  path: "/cubes/{id}/grants",
  tags: ["grants"],
  scope: "memories:read",
  summary: "Grants on a cube the caller owns, newest first (revoked ones with include_revoked)",
  request: { params: cubeParams, query: z.strictObject({ include_revoked: z.enum(["true", "false"]).default("false") }) },
  responses: { 200: jsonAnswer(z.object({ grants: z.array(grantSchema) })) },
});
grantRoutes.openapi(list, async (c) => {
  const rows = await grantsOf(c.get("deps"), c.get("auth"), c.req.valid("param").id, c.req.valid("query").include_revoked === "true");
  return c.json({ grants: rows.map(grantOut) }, 200);
});

const revoke = defineRoute({
  method: "delete",
  path: "/cubes/{id}/grants/{grant_id}",
  tags: ["grants"],
  scope: "memories:write",
  summary: "Revoke a grant (once; revoking again answers the same record)",
  request: { params: cubeParams.extend({ grant_id: z.string().min(1).max(200) }) },
  responses: { 200: jsonAnswer(grantSchema) },
});
grantRoutes.openapi(revoke, async (c) => {
  const { id, grant_id } = c.req.valid("param");
  return c.json(grantOut(await revokeGrant(c.get("deps"), c.get("auth"), id, grant_id)), 200);
});

const received = defineRoute({
  method: "get",
  path: "/grants",
  tags: ["grants"],
  scope: "memories:read",
  summary: "Live grants the caller's key receives (through its users, agents or cubes); for a key without limits, every live grant of the tenant",
  responses: { 200: jsonAnswer(z.object({ grants: z.array(grantSchema) })) },
});
grantRoutes.openapi(received, async (c) => c.json({ grants: (await grantsReceived(c.get("deps"), c.get("auth"))).map(grantOut) }, 200));
