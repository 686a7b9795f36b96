// The `fast` extractor: rule-based, no model. Messages become self-contained third-person
// statements with a type, entities, importance and an absolute time when the text says when.
import { isStopWord, tokenize } from "../text";
import type { CandidateMemory, RawMessage } from "../types";
import { isChitChat } from "./chitchat";
import { classifyType } from "./classify-type";
import { isRelative, resolveDate } from "./dates";
import { extractEntities } from "./entities";
import { scoreImportance } from "./importance";
import { resolvePronouns } from "./pronouns";
import { stripDisfluencies } from "./disfluency";
import { splitSentences } from "./sentences";

export interface FastExtractOptions {
  /**
   * Names of the participants. Defaults to the distinct names of the messages; "you" is resolved
   * only when there are exactly two.
   */
  speakers?: readonly string[];
  /** Pair a short or elliptic answer with the question before it (default true). */
  pairAnswers?: boolean;
  /** Sentences with fewer content words are merged into a neighbour or dropped (default 3). */
  minContentWords?: number;
  /** Keep questions as candidates when they carry content (default false). */
  keepQuestions?: boolean;
}

const LEADING_FILLER = /^(?:(?:oh|ah|wow|woah|whoa|yeah|yep|yup|haha+|lol|omg|well|so|hey|hi|hello|aww+|ooh|hmm+|um+|ok|okay|sure|totally|absolutely|definitely|right|true|cool|nice|great|awesome|man|dude|honestly|actually|anyway|btw|by the way|oh man|oh wow|thanks|thank you|ya know|you know)\b[\s,!.\u2014-]*)+/i;
const ANSWER_START = /^(?:yes|yeah|yep|yup|no|nope|nah|not really|sure|definitely|absolutely|of course|totally|i did|i do|i have|i am|i was|it was|it is|it's|they are|they were)\b/i;
const SHARED_CAPTION = /\s*\[shared ([^\]]{3,300})\]\s*$/i;

function contentWords(text: string): number {
  let n = 0;
  for (const t of tokenize(text)) if (!isStopWord(t)) n++;
  return n;
}

/** Removes leading interjections and vocatives ("Wow, Caroline, ..."), and trailing vocatives. */
function stripFiller(sentence: string, names: readonly string[]): string {
  let s = sentence.trim();
  for (let k = 0; k < 3; k++) {
    const before = s;
    s = s.replace(LEADING_FILLER, "");
    // Vocative: a speaker's name or a nickname that is a prefix of one ("Mel," for Melanie).
    const voc = /^([A-Za-z][a-z]{1,15}|[A-Z]{2,16}),\s*/.exec(s);
    if (voc && names.some((n) => n.toLowerCase().startsWith(voc[1]!.toLowerCase()))) s = s.slice(voc[0].length);
    if (s === before) break;
  }
  // Trailing vocative: ", Mel!" / ", Caroline."
  s = s.replace(/,\s*([A-Za-z][A-Za-z]{1,15})\s*([.!?]*)$/, (m, name: string, p: string) =>
    /^[A-Z]/.test(name) || names.some((n) => n.toLowerCase().startsWith(name.toLowerCase())) ? p : m,
  );
  if (s && /^[a-z]/.test(s)) s = s[0]!.toUpperCase() + s.slice(1);
  return s;
}

/**
 * A question, with or without its "?": chat often drops it ("any plans for the summer"), and a
 * question kept as a statement would be stored as if it were a fact.
 */
const INTERROGATIVE = /^(?:what(?! a\b| an\b)|how(?! (?:cool|nice|great|awesome|sweet|fun|lovely|amazing|exciting|wonderful)\b)|who|whom|whose|when|where|why|which|is|are|was|were|do|does|did|have|has|had|can|could|would|will|should|shall|may|any|anything|ever)\b/i;

export function isQuestion(raw: string, stripped: string): boolean {
  if (/\?["')]*$/.test(raw)) return true;
  if (/[.]["')]*$/.test(raw) && !/\.\.\.["')]*$/.test(raw)) return false;
  return INTERROGATIVE.test(stripped);
}

const VERBISH = /^(?:is|was|has|had|have|did|does|do|will|would|can|could|should|said|says|told|tells|and|or|&|'s|’s|too|also)\b/i;

/**
 * A sentence that opens with the listener's name and no comma ("John great news!") addresses
 * them: the name goes. "John has a dog" keeps it (a verb follows, so it is the subject).
 */
function stripListenerVocative(sentence: string, listener: string | null): string {
  const first = listener?.split(/\s+/)[0];
  if (!first || first.length < 2) return sentence;
  const m = new RegExp(`^${first.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b[\\s!]+(?=\\S)`, "i").exec(sentence);
  if (!m) return sentence;
  const rest = sentence.slice(m[0].length);
  if (VERBISH.test(rest) || /^[’']/.test(rest)) return sentence;
  return rest[0] ? rest[0].toUpperCase() + rest.slice(1) : rest;
}

/** The sentence without speaker names used as vocatives whose comma was dropped ("sounds great John"). */
function withoutNames(sentence: string, names: readonly string[]): string {
  let s = sentence;
  for (const n of names) {
    const first = n.split(/\s+/)[0];
    if (!first || first.length < 2) continue;
    const esc = first.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    s = s.replace(new RegExp(`^${esc}\\b\\s*|\\s*\\b${esc}(?=[\\s.!?]*$)`, "gi"), "");
  }
  return s.trim();
}

function ensureStop(s: string): string {
  return /[.!?]["')\]]*$/.test(s) ? s : `${s}.`;
}

/** Appends the absolute date after a relative expression: "yesterday (7 May 2023)". */
function anchorDate(text: string, ref: number): { text: string; time: number | null } {
  const d = resolveDate(text, ref);
  if (!d) return { text, time: null };
  if (!isRelative(d)) return { text, time: d.time };
  const at = text.indexOf(d.matched);
  if (at < 0) return { text, time: d.time };
  const end = at + d.matched.length;
  return { text: `${text.slice(0, end)} (${d.label})${text.slice(end)}`, time: d.time };
}

interface Piece {
  text: string;
  isQuestion: boolean;
}

function speakerOf(m: RawMessage): string {
  if (m.name && m.name.trim()) return m.name.trim();
  return m.role === "assistant" ? "The assistant" : m.role === "user" ? "The user" : m.role === "system" ? "The system" : "The tool";
}

/**
 * Candidate memories from a window of messages, in message order. Deterministic: the same
 * messages give the same candidates. Each candidate lists the ids of the messages it came from
 * (the answering message first when an answer is paired with its question).
 */
export function extractFast(messages: readonly RawMessage[], opts: FastExtractOptions = {}): CandidateMemory[] {
  const pairAnswers = opts.pairAnswers ?? true;
  const minWords = opts.minContentWords ?? 3;
  const speakers = opts.speakers ?? [...new Set(messages.filter((m) => m.name).map(speakerOf))];
  const out: CandidateMemory[] = [];
  const byText = new Map<string, CandidateMemory>();

  const emit = (text: string, m: RawMessage, sources: string[]): void => {
    const anchored = anchorDate(text, m.timestamp);
    const finalText = ensureStop(anchored.text);
    const key = finalText.toLowerCase();
    const prior = byText.get(key);
    if (prior) {
      for (const id of sources) if (!prior.source_message_ids.includes(id)) prior.source_message_ids.push(id);
      return;
    }
    const type = classifyType(finalText);
    // Entities from the text as said, not from the date label we appended.
    const entities = extractEntities(ensureStop(text), speakers);
    const cand: CandidateMemory = {
      text: finalText,
      type,
      entities,
      importance: scoreImportance({ text: finalText, type, entities, hasTime: anchored.time !== null }),
      event_time: anchored.time,
      source_message_ids: sources,
    };
    byText.set(key, cand);
    out.push(cand);
  };

  let prev: { message: RawMessage; question: string | null } | null = null;
  for (const m of messages) {
    if (m.role === "system" || m.role === "tool") {
      prev = null;
      continue;
    }
    const speaker = speakerOf(m);
    const others = speakers.filter((s) => s !== speaker);
    const listener = others.length === 1 ? others[0]! : null;
    const names = { speaker, listener };

    let content = stripDisfluencies(m.content.replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"'));
    let caption: string | null = null;
    const cap = SHARED_CAPTION.exec(content);
    if (cap) {
      caption = cap[1]!;
      content = content.slice(0, cap.index);
    }

    const pieces: Piece[] = [];
    for (const raw of splitSentences(content)) {
      if (isChitChat(raw)) continue;
      const stripped = stripListenerVocative(stripFiller(raw, speakers), listener);
      if (!stripped || isChitChat(stripped) || isChitChat(withoutNames(stripped, speakers))) continue;
      pieces.push({ text: stripped, isQuestion: isQuestion(raw, stripped) });
    }

    // The question this message may answer: the last question of the other speaker's message.
    const question =
      prev && prev.question && speakerOf(prev.message) !== speaker && contentWords(prev.question) >= 2 ? prev.question : null;
    let paired = false;
    const resolvedPieces: { text: string; words: number; isQuestion: boolean }[] = [];
    for (const p of pieces) {
      const text = resolvePronouns(p.text, names);
      resolvedPieces.push({ text, words: contentWords(text), isQuestion: p.isQuestion });
    }

    // Merge fragments into the previous statement of the same message.
    const statements: { text: string; words: number }[] = [];
    for (const p of resolvedPieces) {
      if (p.isQuestion && !opts.keepQuestions) continue;
      const last = statements[statements.length - 1];
      if (p.words < minWords && last) {
        last.text = `${ensureStop(last.text)} ${p.text}`;
        last.words += p.words;
      } else {
        statements.push({ text: p.text, words: p.words });
      }
    }

    // Pair an elliptic answer with the question it answers.
    if (pairAnswers && question) {
      const firstRaw = m.content.trim();
      const first = statements[0];
      const elliptic = ANSWER_START.test(firstRaw) || (first !== undefined && first.words <= minWords);
      if (elliptic) {
        const answer = first ? first.text : stripFiller(firstRaw, []);
        const answerWords = first ? first.words : contentWords(answer);
        if (answerWords > 0 || /^(yes|yeah|yep|no|nope)\b/i.test(firstRaw)) {
          const yesNo = /^(yes|yeah|yep|yup|sure|definitely|absolutely|of course)\b/i.test(firstRaw) ? "yes, " : /^(no|nope|nah|not really)\b/i.test(firstRaw) ? "no, " : "";
          const body = answerWords > 0 ? answer.replace(/^(yes|yeah|yep|yup|no|nope|nah)\b[\s,!.]*/i, "").replace(/[.!]+$/, "") : "";
          const text = `${question.replace(/\s+$/, "")} ${speaker}: ${yesNo}${body}`.replace(/[,:\s]+$/, "");
          emit(text, m, [m.id, prev!.message.id]);
          paired = true;
          if (first) statements.shift();
        }
      }
    }
    for (const s of statements) {
      if (s.words < minWords && !(paired === false && statements.length === 1 && s.words >= 2)) continue;
      emit(s.text, m, [m.id]);
    }
    if (caption) emit(`${speaker} shared ${caption}`, m, [m.id]);

    const lastQ = [...resolvedPieces].reverse().find((p) => p.isQuestion);
    prev = { message: m, question: lastQ ? lastQ.text : null };
  }
  return out;
}
