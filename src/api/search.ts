// POST /v1/search: every retrieval route of the cube (or of every cube of the tenant) in one call;
// with `format: "context"` the answer also carries the packed, prompt-ready block.
import { z } from "zod";
import { defineRoute, jsonAnswer, jsonContent, routes } from "./route";
import { coverageSchema, memoryOut, packedContextSchema, scoredMemorySchema, searchBody } from "./schemas";
import { runSearch, serverTiming } from "../services/search";
import { readPreference } from "../memory/preferences";
import { scoredSkillSchema, skillOut } from "./skills";

export const search = routes();

const understoodSchema = z
  .object({
    time: z
      .object({
        from: z.string().nullable(),
        to: z.string().nullable(),
        matched: z.string(),
        anchor: z.string().optional().describe("id of the memory whose time anchors a range such as \"before she moved\""),
      })
      .nullable(),
    entities: z.array(z.string()),
  })
  .nullable();

const searchResponse = z.object({
  results: z.array(scoredMemorySchema),
  preferences: z
    .array(
      scoredMemorySchema.extend({
        polarity: z.enum(["like", "dislike"]).nullable().describe("what the preference states; null when its text reads as neither"),
        strength: z.number().nullable().describe("0..1, from the wording (\"can't stand\", \"love\" strong; \"a bit\" weak)"),
      }),
    )
    .describe("preference memories for the query, in their own list beside the results (MemOS pref_mem): a search of their own in one cube, those among the results across cubes; superseded preferences are left out as in results"),
  skills: z.array(scoredSkillSchema).optional().describe("the few skills of the searched cubes matching the query (Mem2Skill); absent when none match"),
  understood: understoodSchema.describe("the date range and entities read from the query (single-cube searches)"),
  context: packedContextSchema.optional(),
  coverage: coverageSchema.optional(),
  timings_ms: z.record(z.string(), z.number()).describe("embed, cube routes, fusion, packing; also in Server-Timing"),
});

const iso = (v: number | null): string | null => (v === null ? null : new Date(v).toISOString());

const searchRoute = defineRoute({
  method: "post",
  path: "/",
  tags: ["search"],
  scope: "memories:read",
  summary: "Search memories of a cube, or of every cube of the tenant",
  request: { body: jsonContent(searchBody) },
  responses: { 200: jsonAnswer(searchResponse) },
});
search.openapi(searchRoute, async (c) => {
  const body = c.req.valid("json");
  const out = await runSearch(c.get("deps"), c.get("auth"), body, body.format === "context");
  c.header("Server-Timing", serverTiming(out.timings));
  const u = out.understood;
  return c.json({
    results: out.results.map((r) => ({ memory: memoryOut(r.memory), score: r.score, score_breakdown: r.score_breakdown })),
    preferences: out.preferences.map((r) => {
      const p = readPreference(r.memory.text);
      return { memory: memoryOut(r.memory), score: r.score, score_breakdown: r.score_breakdown, polarity: p?.polarity ?? null, strength: p?.strength ?? null };
    }),
    understood: u ? { time: u.time ? { from: iso(u.time.from), to: iso(u.time.to), matched: u.time.matched, ...(u.time.anchor ? { anchor: u.time.anchor } : {}) } : null, entities: u.entities } : null,
    ...(out.packed ? { context: out.packed } : {}),
    ...(out.coverage ? { coverage: out.coverage } : {}),
    ...(out.skills.length ? { skills: out.skills.map((r) => ({ ...r, skill: skillOut(r.skill) })) } : {}),
    timings_ms: out.timings,
  }, 200);
});
