// Versioned prompts and output schemas for `fine` extraction and the LLM judge. Bump
// PROMPT_VERSION with any change to wording or schema: jobs record which version ran.
import { z } from "zod";
import type { RawMessage } from "../types";

export const PROMPT_VERSION = "2025-06-v1";

export const EXTRACTED_TYPES = ["fact", "preference", "event", "plan", "procedure", "relationship"] as const;

export const ExtractionOutput = z.object({
  memories: z.array(
    z.object({
      text: z.string().min(3).max(600),
      type: z.enum(EXTRACTED_TYPES),
      entities: z.array(z.string().min(1).max(120)).max(20),
      importance: z.number().min(0).max(1),
      /** ISO 8601 date or date-time (UTC) when the text says when, else null. */
      event_time: z.string().nullable(),
      source_ids: z.array(z.string()).min(1),
    }),
  ).max(100),
});
export type ExtractionOutput = z.infer<typeof ExtractionOutput>;

export const JudgeOutput = z.object({
  action: z.enum(["ADD", "UPDATE", "SUPERSEDE", "DELETE", "NOOP"]),
  target_id: z.string().nullable(),
  text: z.string().nullable(),
  reason: z.string().max(300),
});
export type JudgeOutput = z.infer<typeof JudgeOutput>;

export const EXTRACTION_SYSTEM = `You turn a conversation into long-term memories about its participants.
Write each memory as one self-contained statement in the third person, using names, never "I", "you" or "we".
Include who, what and when; resolve relative times ("yesterday", "last May") to absolute dates using each message's time, and put the date in event_time (ISO 8601) and in the text.
Keep facts, preferences, events, plans, procedures and relationships. Skip greetings, thanks, small talk and reactions with no content.
Pair a short answer with its question so the memory stands alone.
type is one of: fact, preference, event, plan, procedure, relationship. importance is 0..1 (higher for lasting, specific, personal facts).
source_ids lists the ids of the messages the memory comes from, exactly as given.
Answer with JSON only, following the schema.`;

export const JUDGE_SYSTEM = `You maintain a memory store. Given a NEW memory and EXISTING memories, decide one action:
ADD: new information, store it.
UPDATE: same fact as an existing memory but more detailed or better worded; give target_id and the merged text.
SUPERSEDE: the new memory replaces an existing one whose fact changed (moved, changed job, no longer true); give target_id.
DELETE: the new memory says an existing one is wrong and should be removed; give target_id.
NOOP: an existing memory already says this; give target_id.
target_id must be one of the EXISTING ids (null for ADD); text is required for UPDATE, else null.
Answer with JSON only, following the schema.`;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/:\d\d\.\d{3}Z$/, "Z");
}

/** The user turn of an extraction request: one line per message with id, time and speaker. */
export function extractionPrompt(messages: readonly RawMessage[]): string {
  const lines = messages.map((m) => `[${m.id}] (${iso(m.timestamp)}) ${m.name ?? m.role}: ${m.content.replace(/\s+/g, " ").trim()}`);
  return `Conversation:\n${lines.join("\n")}\n\nExtract the memories.`;
}

/** The user turn of a judge request. */
export function judgePrompt(candidate: string, neighbours: readonly { id: string; text: string; valid_from: number }[]): string {
  const lines = neighbours.map((n) => `- id=${n.id} (since ${iso(n.valid_from)}): ${n.text}`);
  return `NEW: ${candidate}\nEXISTING:\n${lines.join("\n") || "(none)"}\n\nDecide.`;
}

/** The follow-up turn after invalid output: the error, and the demand to answer again. */
export function repairPrompt(error: string): string {
  return `Your answer was not valid: ${error}\nAnswer again with JSON only, following the schema exactly.`;
}
