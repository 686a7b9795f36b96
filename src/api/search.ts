// POST /v1/search: embeds the query in the Worker, then lets the cube(s) run every route.
import { Hono } from "hono";
import { z } from "zod";
import { drizzle } from "drizzle-orm/d1";
import { eq } from "drizzle-orm";
import type { AppEnv } from "./context";
import { describeRoute } from "./openapi-registry";
import { jsonBody } from "./validate";
import { requireScope } from "./middleware";
import { memoryOut, memorySchema, searchBody } from "./schemas";
import { cubes as cubesTable } from "../db/schema";
import { cubeStub, resolveCube, unwrap } from "../services/cubes";
import { getEmbedder } from "../services/providers";
import type { CubeIdentity, ScoredMemory } from "../memory/cube-contract";

export const search = new Hono<AppEnv>();

/** Tenant-wide search visits at most this many cubes; past it, give cube_id or user_id. */
const MAX_FANOUT = 64;

const searchResponse = z.object({
  results: z.array(z.object({ memory: memorySchema, score: z.number(), score_breakdown: z.record(z.string(), z.number()) })),
  timings_ms: z.record(z.string(), z.number()),
});

describeRoute({ method: "post", path: "/v1/search", tag: "search", scope: "memories:read", summary: "Search memories of a cube, or of every cube of the tenant", body: searchBody, response: searchResponse });
search.post("/", async (c) => {
  requireScope(c, "memories:read");
  const body = await jsonBody(c, searchBody);
  const tenant = c.get("auth").tenant_id;
  const timings: Record<string, number> = {};
  let t = performance.now();
  const embedder = getEmbedder(c.env);
  const [vector] = await embedder.embed([body.query]);
  timings.embed = performance.now() - t;

  let targets: CubeIdentity[];
  if (body.cube_id !== undefined || body.user_id !== undefined) {
    targets = [await resolveCube(c.env, tenant, body, false)];
  } else {
    const rows = await drizzle(c.env.DB).select({ id: cubesTable.id }).from(cubesTable).where(eq(cubesTable.tenantId, tenant)).limit(MAX_FANOUT).all();
    targets = rows.map((r) => ({ tenant_id: tenant, cube_id: r.id }));
  }

  t = performance.now();
  const filter = { user_id: body.user_id, agent_id: body.agent_id, session_id: body.session_id, tags: body.tags, types: body.types };
  const answers = await Promise.all(
    targets.map(async (identity) =>
      unwrap(await cubeStub(c.env, identity).search({ identity, query: body.query, vector: vector ?? null, embedder: embedder.id, filter, top_k: body.top_k })),
    ),
  );
  timings.cube = performance.now() - t;
  const merged: ScoredMemory[] = answers
    .flatMap((a) => a.results)
    .sort((a, b) => b.score - a.score)
    .slice(0, body.top_k);
  for (const a of answers) for (const [k, v] of Object.entries(a.timings)) timings[`cube_${k}`] = Math.max(timings[`cube_${k}`] ?? 0, v);
  c.header("Server-Timing", Object.entries(timings).map(([k, v]) => `${k};dur=${v.toFixed(2)}`).join(", "));
  return c.json({
    results: merged.map((r) => ({ memory: memoryOut(r.memory), score: r.score, score_breakdown: r.score_breakdown })),
    timings_ms: timings,
  });
});
