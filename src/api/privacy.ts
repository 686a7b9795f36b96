// Privacy routes: a cube's desensitization mode (/v1/cubes/:id/privacy), a memory revealed
// (/v1/memories/:id/reveal), and the detector run on texts without storing them (/v1/privacy/detect).
import { z } from "zod";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { locateQuery, memoryOut, memorySchema } from "./schemas";
import { ApiError } from "../errors";
import { cubeIdSchema } from "../memory/cube-contract";
import { desensitize, PII_TYPES, PRIVACY_MODES } from "../governance/pii";
import { unwrap } from "../services/cubes";
import { reachCube } from "../services/access";
import { getVisible, locate } from "../services/memories";
import { revealMemory } from "../services/privacy";

/** Mounted at /v1/cubes. */
export const cubePrivacy = routes();
/** Mounted at /v1/memories. */
export const memoryPrivacy = routes();
/** Mounted at /v1/privacy. */
export const privacyTools = routes();

const cubeParams = z.object({ id: cubeIdSchema });
const idParam = z.object({ id: z.string().min(1).max(200) });
const modeSchema = z
  .enum(PRIVACY_MODES)
  .describe("mask: typed placeholders ([EMAIL_1]) stable within the cube, values kept in its vault; redact: typed markers ([EMAIL]), values dropped; off: stored as sent");
const privacySchema = z.object({
  cube_id: z.string(),
  mode: modeSchema,
  vault_entries: z.number().int().describe("values the cube's vault holds"),
});

const getPrivacy = defineRoute({
  method: "get",
  path: "/{id}/privacy",
  tags: ["privacy"],
  scope: "memories:read",
  summary: "A cube's privacy mode: how personal data and secrets are desensitized before storage and before any model call",
  request: { params: cubeParams },
  responses: { 200: jsonAnswer(privacySchema) },
});
cubePrivacy.openapi(getPrivacy, async (c) => {
  const reach = await reachCube(c.get("deps"), c.get("auth"), { cube_id: c.req.valid("param").id }, "read");
  return c.json({ cube_id: reach.identity.cube_id, ...unwrap(await c.get("deps").cube(reach.identity).privacy(reach.identity)) }, 200);
});

const putPrivacy = defineRoute({
  method: "put",
  path: "/{id}/privacy",
  tags: ["privacy"],
  scope: "admin",
  summary: "Set a cube's privacy mode for later writes (new cubes mask); what is stored already stays as it was written",
  request: { params: cubeParams, body: jsonContent(z.strictObject({ mode: modeSchema })) },
  responses: { 200: jsonAnswer(privacySchema) },
});
cubePrivacy.openapi(putPrivacy, async (c) => {
  const reach = await reachCube(c.get("deps"), c.get("auth"), { cube_id: c.req.valid("param").id }, "write");
  if (reach.visible_agents !== null) throw new ApiError("forbidden", "only a key that sees the whole cube may set its privacy mode");
  const set = unwrap(await c.get("deps").cube(reach.identity).setPrivacy(reach.identity, c.req.valid("json").mode));
  return c.json({ cube_id: reach.identity.cube_id, ...set }, 200);
});

const revealRoute = defineRoute({
  method: "get",
  path: "/{id}/reveal",
  tags: ["privacy"],
  scope: "pii:read",
  summary: "A memory with its placeholders filled from the cube's vault (needs pii:read); redacted values are gone for good",
  request: { params: idParam, query: locateQuery },
  responses: { 200: jsonAnswer(memorySchema.extend({ revealed: z.number().int().describe("placeholders filled from the vault") })) },
});
memoryPrivacy.openapi(revealRoute, async (c) => {
  const { id } = c.req.valid("param");
  const deps = c.get("deps");
  const reach = await locate(deps, c.get("auth"), id, c.req.valid("query"), "read");
  const memory = await getVisible(deps, reach, id);
  const { memory: shown, revealed } = await revealMemory(deps.cube(reach.identity), reach.identity, memory);
  c.header("cache-control", "no-store");
  return c.json({ ...memoryOut(shown), revealed }, 200);
});

const detectBody = z.strictObject({
  texts: z.array(z.string().max(100_000)).min(1).max(100),
  mode: z.enum(["mask", "redact"]).default("mask").describe("how `text` of each result is desensitized; mask numbers placeholders within this request only"),
});
const detectResult = z.object({
  spans: z.array(z.object({ type: z.enum(PII_TYPES), start: z.number().int(), end: z.number().int() })).describe("UTF-16 offsets, end exclusive, in text order"),
  text: z.string().describe("the text as a cube in this mode would store it"),
});

const detectRoute = defineRoute({
  method: "post",
  path: "/detect",
  tags: ["privacy"],
  scope: "memories:read",
  summary: "Run the PII and secret detector on up to 100 texts: spans and desensitized text; nothing is stored",
  request: { body: jsonContent(detectBody) },
  responses: { 200: jsonAnswer(z.object({ results: z.array(detectResult) })) },
});
privacyTools.openapi(detectRoute, async (c) => {
  const { texts, mode } = c.req.valid("json");
  const results = texts.map((text) => {
    const r = desensitize(text, mode);
    return { spans: r.spans.map((s) => ({ type: s.type, start: s.start, end: s.end })), text: r.text };
  });
  c.header("cache-control", "no-store");
  return c.json({ results }, 200);
});
