// Loader of LoCoMo-format JSON: turns with dia_ids and session dates, QA with lenient evidence.
import { readFileSync } from "node:fs";

export interface LocomoTurn {
  diaId: string; // "D<session>:<turn>"
  session: number;
  speaker: string;
  text: string;
  /** Image caption when the turn shared a photo (part of what the speaker said). */
  caption: string | null;
  /** Session start in ms (UTC), or null when the date is missing or unparsable. */
  sessionTime: number | null;
  sessionDate: string | null;
}

export interface LocomoQa {
  question: string;
  answer: string | null;
  category: number;
  /** Evidence ids that parsed and exist in the conversation, deduplicated. */
  evidence: string[];
}

export interface LocomoConversation {
  sampleId: string;
  speakers: [string, string];
  turns: LocomoTurn[];
  qa: LocomoQa[];
}

export interface LoadStats {
  conversations: number;
  turns: number;
  qa: number;
  /** Evidence entries that did not parse or name no turn of the conversation. */
  skippedEvidence: number;
  /** Malformed entries that were repaired (e.g. "D:11:26", "D8:6; D9:17"). */
  repairedEvidence: number;
  /** QA items left with no usable evidence. */
  qaWithoutEvidence: number;
  sessionsWithoutTurns: number;
}

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

/** Parses LoCoMo session stamps like "1:56 pm on 8 May, 2023" as UTC milliseconds. */
export function parseSessionDate(s: string): number | null {
  const m = /(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([a-z]+),?\s+(\d{4})/i.exec(s);
  if (!m) return null;
  const month = MONTHS.indexOf(m[5]!.toLowerCase());
  if (month < 0) return null;
  let hour = Number(m[1]) % 12;
  if (m[3]!.toLowerCase() === "pm") hour += 12;
  return Date.UTC(Number(m[6]), month, Number(m[4]), hour, Number(m[2]));
}

const EVIDENCE_RE = /D\s*:?\s*(\d+)\s*:\s*(\d+)/g;

/** Returns the dia_ids found in one evidence entry and whether the entry needed repair. */
export function parseEvidence(entry: string): { ids: string[]; repaired: boolean } {
  const ids: string[] = [];
  for (const m of entry.matchAll(EVIDENCE_RE)) ids.push(`D${Number(m[1])}:${Number(m[2])}`);
  const clean = /^D\d+:\d+$/.test(entry.trim());
  return { ids, repaired: ids.length > 0 && !clean };
}

type Json = Record<string, unknown>;

export function loadLocomo(path: string): { conversations: LocomoConversation[]; stats: LoadStats } {
  const raw = JSON.parse(readFileSync(path, "utf8")) as Json[];
  const stats: LoadStats = { conversations: 0, turns: 0, qa: 0, skippedEvidence: 0, repairedEvidence: 0, qaWithoutEvidence: 0, sessionsWithoutTurns: 0 };
  const conversations: LocomoConversation[] = [];
  for (const sample of raw) {
    const conv = sample.conversation as Json;
    const turns: LocomoTurn[] = [];
    const sessionNums = Object.keys(conv)
      .map((k) => /^session_(\d+)$/.exec(k)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const n of sessionNums) {
      const list = conv[`session_${n}`];
      if (!Array.isArray(list) || list.length === 0) {
        stats.sessionsWithoutTurns++;
        continue;
      }
      const date = typeof conv[`session_${n}_date_time`] === "string" ? (conv[`session_${n}_date_time`] as string) : null;
      const time = date ? parseSessionDate(date) : null;
      for (const t of list as Json[]) {
        turns.push({
          diaId: String(t.dia_id),
          session: n,
          speaker: String(t.speaker),
          text: String(t.text ?? ""),
          caption: typeof t.blip_caption === "string" ? t.blip_caption : null,
          sessionTime: time,
          sessionDate: date,
        });
      }
    }
    const known = new Set(turns.map((t) => t.diaId));
    const qa: LocomoQa[] = [];
    for (const q of (sample.qa as Json[] | undefined) ?? []) {
      const evidence = new Set<string>();
      for (const e of (q.evidence as unknown[] | undefined) ?? []) {
        const { ids, repaired } = parseEvidence(String(e));
        if (repaired) stats.repairedEvidence++;
        const good = ids.filter((id) => known.has(id));
        if (good.length === 0) stats.skippedEvidence++;
        for (const id of good) evidence.add(id);
      }
      if (evidence.size === 0) stats.qaWithoutEvidence++;
      const answer = q.answer ?? q.adversarial_answer;
      qa.push({
        question: String(q.question),
        answer: answer === undefined || answer === null ? null : String(answer),
        category: Number(q.category),
        evidence: [...evidence],
      });
    }
    stats.conversations++;
    stats.turns += turns.length;
    stats.qa += qa.length;
    conversations.push({
      sampleId: String(sample.sample_id),
      speakers: [String(conv.speaker_a), String(conv.speaker_b)],
      turns,
      qa,
    });
  }
  return { conversations, stats };
}
