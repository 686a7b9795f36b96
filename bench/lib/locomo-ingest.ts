// Ingestion of LoCoMo conversations through the HTTP API, shared by bench:locomo and the miss
// analysis: raw-turn mode (one memory per turn) and fast mode (one extraction job per session).
// Requests go through the client's `single` (one request each, as before the client).
import type { MemosClient } from "../../packages/client/src/index.ts";
import type { LocomoConversation, LocomoTurn } from "./locomo";
import type { Server } from "./server";

/** The answers' types, from the OpenAPI document through the client. */
export type SearchAnswer = Awaited<ReturnType<MemosClient["search"]>>;
export type ContextAnswer = Awaited<ReturnType<MemosClient["context"]>>;
export type ApiMemory = SearchAnswer["results"][number]["memory"];

/** What a speaker said in a turn, a shared photo included. */
export const turnContent = (t: LocomoTurn): string => `${t.text}${t.caption ? ` [shared a photo: ${t.caption}]` : ""}`;
export const iso = (t: LocomoTurn): string | undefined => (t.sessionTime === null ? undefined : new Date(t.sessionTime).toISOString());
export const questions = (c: LocomoConversation) => c.qa.filter((q) => q.category >= 1 && q.category <= 4 && q.evidence.length > 0);

/** Raw-turn mode: every turn one memory, sent in order so seq follows the conversation. */
export async function ingestRaw(server: Server, conv: LocomoConversation, user: string): Promise<(m: ApiMemory) => string[]> {
  for (const t of conv.turns) {
    const timestamp = iso(t);
    await server.single.memories.add({
      user_id: user,
      session_id: `s${t.session}`,
      infer: false,
      messages: [{ role: "user", name: t.speaker, content: turnContent(t), ...(timestamp ? { timestamp } : {}) }],
      metadata: { dia_id: t.diaId },
    });
  }
  return (m) => (typeof m.metadata.dia_id === "string" ? [m.metadata.dia_id] : []);
}

/** Fast mode: one extraction job per session; a memory's evidence is its source messages. */
export async function ingestFast(server: Server, conv: LocomoConversation, user: string): Promise<{ map: (m: ApiMemory) => string[]; memories: number; failed: string | null }> {
  const byMessage = new Map<string, string>();
  let memories = 0;
  const sessions = [...new Set(conv.turns.map((t) => t.session))];
  for (const s of sessions) {
    const turns = conv.turns.filter((t) => t.session === s);
    const { job } = await server.single.memories.add({
      user_id: user,
      session_id: `s${s}`,
      infer: true,
      mode: "fast",
      messages: turns.map((t) => ({ role: "user" as const, name: t.speaker, content: turnContent(t), ...(iso(t) ? { timestamp: iso(t) } : {}) })),
    });
    if (!job) throw new Error(`session ${s}: POST /v1/memories answered no job`);
    let state = job;
    const deadline = Date.now() + 120_000;
    while (state.state === "queued" || state.state === "running") {
      if (Date.now() > deadline) return { map: () => [], memories, failed: `job ${job.id} still ${state.state} after 120 s` };
      await new Promise((r) => setTimeout(r, 100));
      state = await server.single.jobs.get(job.id);
    }
    if (state.state !== "succeeded") return { map: () => [], memories, failed: `job ${job.id} ${state.state}: ${state.error ?? ""}` };
    state.message_ids.forEach((id, i) => byMessage.set(id, turns[i]!.diaId));
    memories += state.result?.memory_ids.length ?? 0;
  }
  return { map: (m) => m.source_message_ids.map((id) => byMessage.get(id)).filter((d): d is string => d !== undefined), memories, failed: null };
}
