// MemOS Cloud-compatible API (openmem v1) at /api/openmem/v1: each route a translation onto the same services as /v1.
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../../api/app-env";
import { authenticateWith } from "../../api/middleware";
import { cubeIdempotency } from "../../api/idempotency";
import { requireScope } from "../../api/route";
import { ApiError } from "../../errors";
import type { Memory } from "../../memory/types";
import { addMemories } from "../../services/add-memories";
import { unwrap } from "../../services/cubes";
import { userCubeId } from "../../services/access";
import { readJob } from "../../services/jobs";
import { applyCorrection } from "../../services/feedback";
import { deleteMemoryFor, listMemories, readMemory } from "../../services/memories";
import { runSearch } from "../../services/search";
import { bodyOf, memosOnError, memosToken, ok } from "./envelope";
import { addFeedbackBody, addMessageBody, deleteMemoryBody, getMemoryBody, getStatusBody, searchMemoryBody } from "./schemas";
import { isPreference, memoryDetail, preferenceDetail, taskStatus } from "./shapes";
import { addBody, agentOf, searchOf } from "./translate";

const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Memories a get/memory call reads at most to page and count (50 cube pages). */
const GET_SCAN_LIMIT = 10_000;
/** Memories a feedback is matched against: the judge picks among them. */
const FEEDBACK_CANDIDATES = 5;

export const memos = new Hono<AppEnv>();

memos.use(
  "*",
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError("payload_too_large", `request body is larger than ${MAX_BODY_BYTES} bytes`);
    },
  }),
);
memos.use("*", authenticateWith(memosToken));

const tenantOf = (c: Context<AppEnv>) => c.get("auth").tenant_id;
/** Whether the user has a cube yet (MemOS answers empty lists for a user with no memory). */
const userKnown = (c: Context<AppEnv>, userId: string) => c.get("deps").registry.exists({ tenant_id: tenantOf(c), cube_id: userCubeId(userId) });

memos.post("/add/message", requireScope("memories:write"), async (c) => {
  const raw = await bodyOf(c, addMessageBody);
  const body = addBody(raw);
  const { outcome } = await addMemories(c.get("deps"), c.get("auth"), body, await cubeIdempotency(c, raw));
  if (outcome.kind === "stored") return ok(c, { success: true, status: "completed" });
  return ok(c, { success: outcome.job.state !== "failed", task_id: outcome.job.id, status: taskStatus(outcome.job) });
});

memos.post("/search/memory", requireScope("memories:read"), async (c) => {
  const b = await bodyOf(c, searchMemoryBody);
  const agent = agentOf(b.filter);
  const withPrefs = b.include_preference ?? true;
  const empty = { memory_detail_list: [], preference_detail_list: [], tool_memory_detail_list: [], preference_note: "" };
  if (!(await userKnown(c, b.user_id))) return ok(c, empty);
  const top_k = b.memory_limit_number + (withPrefs ? b.preference_limit_number : 0);
  const out = await runSearch(c.get("deps"), c.get("auth"), searchOf({ query: b.query, user_id: b.user_id, top_k, agent_id: agent, threshold: b.relativity }), false);
  const facts = out.results.filter((r) => !isPreference(r.memory)).slice(0, b.memory_limit_number);
  const prefs = withPrefs ? out.results.filter((r) => isPreference(r.memory)).slice(0, b.preference_limit_number) : [];
  return ok(c, {
    ...empty,
    memory_detail_list: facts.map((r) => memoryDetail(r.memory, r.score)),
    preference_detail_list: prefs.map((r) => preferenceDetail(r.memory, r.score)),
  });
});

memos.post("/get/memory", requireScope("memories:read"), async (c) => {
  const b = await bodyOf(c, getMemoryBody);
  const agent = agentOf(b.filter);
  const withPrefs = b.include_preference ?? true;
  const from = (b.page - 1) * b.size;
  const facts: Memory[] = [];
  const prefs: Memory[] = [];
  let nFacts = 0;
  let nPrefs = 0;
  if (await userKnown(c, b.user_id)) {
    // Newest first; each category is paged on its own, as MemOS pages them.
    let cursor: string | undefined;
    for (let scanned = 0; scanned < GET_SCAN_LIMIT; ) {
      const page = await listMemories(c.get("deps"), c.get("auth"), { user_id: b.user_id, agent_id: agent, state: "active", limit: 200, cursor });
      for (const m of page.memories) {
        if (isPreference(m)) {
          if (nPrefs >= from && nPrefs < from + b.size) prefs.push(m);
          nPrefs++;
        } else {
          if (nFacts >= from && nFacts < from + b.size) facts.push(m);
          nFacts++;
        }
      }
      scanned += page.memories.length;
      if (page.next_cursor === null) break;
      cursor = page.next_cursor;
    }
  }
  const total = Math.max(nFacts, withPrefs ? nPrefs : 0);
  return ok(c, {
    memory_detail_list: facts.map((m) => memoryDetail(m)),
    preference_detail_list: withPrefs ? prefs.map((m) => preferenceDetail(m)) : [],
    tool_memory_detail_list: [],
    total,
    size: b.size,
    current: b.page,
    pages: Math.ceil(total / b.size),
  });
});

memos.post("/delete/memory", requireScope("memories:write"), async (c) => {
  const b = await bodyOf(c, deleteMemoryBody);
  const deps = c.get("deps");
  const who = c.get("auth");
  const hint = b.user_id !== undefined ? { user_id: b.user_id } : {};
  // Every id is found first, so that one unknown id deletes nothing.
  const targets = [];
  for (const id of new Set(b.memory_ids)) {
    const m = await readMemory(deps, who, id, hint);
    if (m.state === "deleted") throw new ApiError("not_found", `memory ${id} not found`);
    targets.push(id);
  }
  for (const id of targets) await deleteMemoryFor(deps, who, id, hint, undefined);
  return ok(c, { success: true });
});

memos.post("/add/feedback", requireScope("memories:write"), async (c) => {
  const b = await bodyOf(c, addFeedbackBody);
  const deps = c.get("deps");
  const who = c.get("auth");
  if (!(await userKnown(c, b.user_id))) throw new ApiError("not_found", `user ${b.user_id} has no memories to correct`);
  // MemOS feedback names no memory: the user's memories closest to it are the judge's candidates.
  const found = await runSearch(deps, who, searchOf({ query: b.feedback_content, user_id: b.user_id, top_k: FEEDBACK_CANDIDATES, agent_id: b.agent_id, record_access: false }), false);
  const ids = found.results.map((r) => r.memory.id);
  if (ids.length === 0) throw new ApiError("not_found", `no memory of user ${b.user_id} matches the feedback`);
  const out = await applyCorrection(deps, who, { memory_ids: ids, correction: b.feedback_content, user_id: b.user_id }, await cubeIdempotency(c, b));
  return ok(c, { success: true, status: "completed", action: out.decision.action, memory_ids: out.memories.map((m) => m.id) });
});

memos.post("/get/status", requireScope("memories:read"), async (c) => {
  const b = await bodyOf(c, getStatusBody);
  const deps = c.get("deps");
  const { job } = await readJob(deps, c.get("auth"), b.task_id);
  return ok(c, { task_id: job.id, status: taskStatus(job), ...(job.error ? { error: job.error } : {}) });
});

memos.all("*", (c) => {
  throw new ApiError("not_found", `no MemOS route for ${c.req.method} ${c.req.path}`);
});
memos.onError(memosOnError);
