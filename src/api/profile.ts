// GET /v1/profile: a user's consolidated profile (stable facts, preferences, current context), rebuilt by the cube's scheduler.
import { z } from "zod";
import { defineRoute, jsonAnswer, routes } from "./route";
import { cubeIdSchema, scopeIdSchema } from "../memory/cube-contract";
import { readProfile, type ProfileOut } from "../services/profile";

/** Mounted at /v1/profile. */
export const profileRoutes = routes();

const lineSchema = z.object({ memory_id: z.string(), text: z.string() });
export const profileSchema = z.object({
  user_id: z.string().nullable(),
  stable: z.array(lineSchema).describe("facts, relationships and procedures, most confirmed and important first"),
  preferences: z.array(lineSchema.extend({ polarity: z.enum(["like", "dislike"]).nullable(), strength: z.number().nullable() })).describe("the latest preference about each thing"),
  current: z.array(lineSchema).describe("events and plans of the last 30 days, newest first"),
  summary: z.string().describe("the profile rendered as a prompt-ready block, escaped and fenced as untrusted data"),
  tokens: z.number().int().describe("cl100k_base tokens of summary (at most 400)"),
  source_count: z.number().int().describe("live memories it was built from"),
  built_at: z.string().describe("when it was built: by the profile task after the memories changed, or by this read when they changed since"),
});

export function profileOut(p: ProfileOut): z.infer<typeof profileSchema> {
  return { ...p, built_at: new Date(p.built_at).toISOString() };
}

const getProfile = defineRoute({
  method: "get",
  path: "/",
  tags: ["profile"],
  scope: "memories:read",
  summary: "A user's profile: stable facts, preferences and current context, rebuilt by the cube's scheduler when the memories under it change",
  request: { query: z.strictObject({ user_id: scopeIdSchema, cube_id: cubeIdSchema.optional().describe("the cube to read it from (default: the user's own)") }) },
  responses: { 200: jsonAnswer(profileSchema) },
});
profileRoutes.openapi(getProfile, async (c) => {
  return c.json(profileOut(await readProfile(c.get("deps"), c.get("auth"), c.req.valid("query"))), 200);
});
