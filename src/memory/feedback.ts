// Turns a natural-language correction of a memory ("Actually she lives in Paris now") into a
// candidate the judge can apply against that memory. Pure; rules only.
import { parseAttribute } from "./dedup/attributes";
import { classifyType } from "./extraction/classify-type";
import { resolveDate } from "./extraction/dates";
import { extractEntities } from "./extraction/entities";
import { resolvePronouns } from "./extraction/pronouns";
import type { CandidateMemory, Memory } from "./types";

export interface FeedbackCandidate {
  candidate: CandidateMemory;
  /** The memory the correction is about: hand it to the judge as the (first) neighbour. */
  target_id: string;
  /** "retraction" when the correction only says the memory is wrong. */
  kind: "correction" | "retraction";
}

export interface FeedbackOptions {
  /** When the correction was given (ms); resolves "yesterday" etc. Defaults to the memory's update time. */
  now?: number;
  /** Who wrote the correction, so "I"/"my" resolve to them. */
  author?: string | null;
}

const LEAD = /^(?:(?:actually|no|nope|correction|update|wait|well|hmm|oh|sorry|fyi|to be clear|in fact)\b[\s,:;!.\u2014-]*)+/i;
const RETRACT_ONLY = /^(?:that'?s|that is|this is|it'?s|it is)?\s*(?:not true|wrong|incorrect|false|not right)\b[.!]*$|^(?:forget|delete|remove) (?:that|this|it)\b[.!]*$/i;

/** The subject of a memory as written: its first entity when the text starts with it, else its first word(s) before the verb. */
export function memorySubject(memory: Pick<Memory, "text" | "entities">): string {
  const starts = memory.entities.find((e) => memory.text.toLowerCase().startsWith(e.toLowerCase()));
  if (starts) return starts;
  const m = /^([A-Z][\p{L}'-]*(?:\s+[A-Z][\p{L}'-]*)*)/u.exec(memory.text);
  return m ? m[1]!.replace(/'s$/, "") : (memory.entities[0] ?? "The user");
}

function ensureStop(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** Third-person pronouns of the memory's subject become its name. */
function resolveThirdPerson(text: string, subject: string): string {
  return text
    .replace(/\b(?:she|he|they)\s+(?:are|is)\b/gi, `${subject} is`)
    .replace(/\b(?:she|he|they)\s+were\b/gi, `${subject} was`)
    .replace(/\b(?:she|he|they)\s+have\b/gi, `${subject} has`)
    .replace(/\b(?:she|he|they)'(?:s|re)\b/gi, `${subject} is`)
    .replace(/\b(?:she|he|they)\b/gi, subject)
    .replace(/\b(?:her|his|their)\b(?=\s+[a-z])/gi, `${subject}'s`)
    .replace(/\b(?:him|them)\b/gi, subject);
}

/**
 * A candidate for `correction` applied to `memory`. Handles:
 * - a full restatement ("Actually she lives in Paris now") → pronouns resolved to the subject;
 * - a predicate only ("lives in Paris now") → the subject prefixed;
 * - "X, not Y" → the memory text with Y replaced by X;
 * - a bare retraction ("that's wrong", "forget that") → kind "retraction", which the rule judge
 *   turns into DELETE.
 */
export function feedbackToCandidate(memory: Memory, correction: string, opts: FeedbackOptions = {}): FeedbackCandidate {
  const now = opts.now ?? memory.updated_at;
  const subject = memorySubject(memory);
  let text = correction.replace(/[\u2018\u2019]/g, "'").trim().replace(LEAD, "").trim();
  let kind: FeedbackCandidate["kind"] = "correction";

  if (!text || RETRACT_ONLY.test(text)) {
    kind = "retraction";
    text = `That is not true: ${memory.text.replace(/[.!]+$/, "")}`;
  } else {
    const swap = /^(.{1,60}?),?\s+not\s+(.{1,60}?)[.!]*$/i.exec(text);
    const at = swap ? memory.text.toLowerCase().indexOf(swap[2]!.toLowerCase()) : -1;
    if (swap && at >= 0) {
      text = memory.text.slice(0, at) + swap[1]! + memory.text.slice(at + swap[2]!.length);
    } else {
      if (opts.author) text = resolvePronouns(text, { speaker: opts.author });
      text = resolveThirdPerson(text, subject);
      // Predicate only ("lives in Paris now"): the subject is implied.
      if (/^[a-z]/.test(text) && parseAttribute(`${subject} ${text}`) !== null) text = `${subject} ${text}`;
      text = text[0]!.toUpperCase() + text.slice(1);
    }
  }
  text = ensureStop(text);
  const date = kind === "correction" ? resolveDate(text, now) : null;
  const type = kind === "retraction" ? memory.type : classifyType(text);
  const entities = extractEntities(text, [subject, ...memory.entities]);
  return {
    target_id: memory.id,
    kind,
    candidate: {
      text,
      type: type === "message" || type === "note" ? "fact" : type,
      entities,
      importance: memory.importance,
      event_time: date ? date.time : null,
      source_message_ids: [...memory.source_message_ids],
      tags: ["feedback"],
    },
  };
}
