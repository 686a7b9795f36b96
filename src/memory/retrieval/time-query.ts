// Finds a date or range in a search query ("in May 2023", "last week", "3 days ago",
// "before 8 May, 2023") and resolves it against a reference time, in UTC. Pure and deterministic.

import { DAY, MONTH_RE, dayStart, monthIndex, parseCount, validDay } from "../date-words";

/** Half-open range [from, to) in ms; null on a side means open-ended. */
export interface TimeRange {
  from: number | null;
  to: number | null;
}

export interface TimeQuery {
  range: TimeRange;
  /** The query with the time expression removed, whitespace collapsed. */
  query: string;
  /** The text that was recognized. */
  matched: string;
}

function dayRange(y: number, m: number, d: number): TimeRange | null {
  const from = validDay(y, m, d);
  return from === null ? null : { from, to: from + DAY };
}

const monthRange = (y: number, m: number): TimeRange => ({ from: Date.UTC(y, m, 1), to: Date.UTC(y, m + 1, 1) });
const yearRange = (y: number): TimeRange => ({ from: Date.UTC(y, 0, 1), to: Date.UTC(y + 1, 0, 1) });

/** ISO week (Monday first) containing `ms`. */
function weekRange(ms: number): TimeRange {
  const d = dayStart(ms);
  const dow = (new Date(d).getUTCDay() + 6) % 7; // Monday = 0
  const from = d - dow * DAY;
  return { from, to: from + 7 * DAY };
}

type Resolver = (m: RegExpExecArray, ref: number) => TimeRange | null;

// Absolute date expressions, used alone or after before/after/since.
const ABSOLUTE: [RegExp, Resolver][] = [
  // 2023-05-08
  [/\b(\d{4})-(\d{2})-(\d{2})\b/, (m) => dayRange(Number(m[1]), Number(m[2]) - 1, Number(m[3]))],
  // 8 May, 2023 / 8th of May 2023
  [new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE}\\.?,?\\s+(\\d{4})\\b`, "i"), (m) => dayRange(Number(m[3]), monthIndex(m[2]!), Number(m[1]))],
  // May 8, 2023 / May 8th 2023
  [new RegExp(`\\b${MONTH_RE}\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, "i"), (m) => dayRange(Number(m[3]), monthIndex(m[1]!), Number(m[2]))],
  // May 2023
  [new RegExp(`\\b${MONTH_RE}\\.?,?\\s+(\\d{4})\\b`, "i"), (m) => monthRange(Number(m[2]), monthIndex(m[1]!))],
  // 2023 (a plausible year)
  [/\b(19\d{2}|20\d{2}|2100)\b/, (m) => yearRange(Number(m[1]))],
  // May (no year): the most recent May that has begun by the reference time. Needs "in".
  [new RegExp(`(?<=\\bin\\s+)${MONTH_RE}\\b`, "i"), (m, ref) => {
    const mi = monthIndex(m[1]!);
    const y = new Date(ref).getUTCFullYear();
    return Date.UTC(y, mi, 1) <= ref ? monthRange(y, mi) : monthRange(y - 1, mi);
  }],
];

// Relative expressions, resolved against the reference time.
const RELATIVE: [RegExp, Resolver][] = [
  [/\btoday\b/i, (_m, ref) => ({ from: dayStart(ref), to: dayStart(ref) + DAY })],
  [/\byesterday\b/i, (_m, ref) => ({ from: dayStart(ref) - DAY, to: dayStart(ref) })],
  [/\b(?:the\s+)?day\s+before\s+yesterday\b/i, (_m, ref) => ({ from: dayStart(ref) - 2 * DAY, to: dayStart(ref) - DAY })],
  [/\b(\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|couple|few)\s+(?:of\s+)?(day|week|month|year)s?\s+ago\b/i, (m, ref) => {
    const n = parseCount(m[1]!);
    const unit = m[2]!.toLowerCase();
    const d = new Date(ref);
    if (unit === "day") return { from: dayStart(ref) - n * DAY, to: dayStart(ref) - (n - 1) * DAY };
    if (unit === "week") return weekRange(ref - n * 7 * DAY);
    if (unit === "month") return monthRange(d.getUTCFullYear(), d.getUTCMonth() - n);
    return yearRange(d.getUTCFullYear() - n);
  }],
  [/\b(last|past|previous)\s+(\d+|two|three|four|five|six|seven|eight|nine|ten|couple|few)\s+(day|week|month|year)s\b/i, (m, ref) => {
    const n = parseCount(m[2]!);
    const unit = m[3]!.toLowerCase();
    const span = unit === "day" ? n * DAY : unit === "week" ? 7 * n * DAY : unit === "month" ? 30 * n * DAY : 365 * n * DAY;
    return { from: dayStart(ref) + DAY - span, to: dayStart(ref) + DAY };
  }],
  [/\b(last|this|next)\s+(week|month|year)\b/i, (m, ref) => {
    const off = m[1]!.toLowerCase() === "last" ? -1 : m[1]!.toLowerCase() === "next" ? 1 : 0;
    const d = new Date(ref);
    const unit = m[2]!.toLowerCase();
    if (unit === "week") return weekRange(ref + off * 7 * DAY);
    if (unit === "month") return monthRange(d.getUTCFullYear(), d.getUTCMonth() + off);
    return yearRange(d.getUTCFullYear() + off);
  }],
];

interface Hit {
  range: TimeRange;
  index: number;
  length: number;
}

function firstHit(text: string, ref: number, rules: readonly [RegExp, Resolver][]): Hit | null {
  let best: Hit | null = null;
  for (const [re, resolve] of rules) {
    const m = re.exec(text);
    if (!m) continue;
    const range = resolve(m, ref);
    if (!range) continue;
    // Earliest match wins; at the same place the longer (more specific) one.
    if (!best || m.index < best.index || (m.index === best.index && m[0].length > best.length)) {
      best = { range, index: m.index, length: m[0].length };
    }
  }
  return best;
}

/**
 * Returns the first time expression of `query` resolved against `referenceTime` (ms, UTC), or
 * null when there is none. "before X" gives [null, X.from), "after X" [X.to, null),
 * "since X" [X.from, null); a bare X gives its day, month, year or week.
 */
export function parseTimeQuery(query: string, referenceTime: number): TimeQuery | null {
  const hit = firstHit(query, referenceTime, [...RELATIVE, ...ABSOLUTE]);
  if (!hit) return null;
  let start = hit.index;
  const end = hit.index + hit.length;
  let range = hit.range;
  const before = query.slice(0, start);
  const mod = /\b(before|after|since|until|till|prior\s+to|earlier\s+than|later\s+than|in|on|during|from|of|at)\s+(?:the\s+)?$/i.exec(before);
  if (mod) {
    const word = mod[1]!.toLowerCase().replace(/\s+/g, " ");
    if (word === "before" || word === "until" || word === "till" || word === "prior to" || word === "earlier than") range = { from: null, to: range.from };
    else if (word === "after" || word === "later than") range = { from: range.to, to: null };
    else if (word === "since") range = { from: range.from, to: null };
    start = mod.index;
  }
  const matched = query.slice(start, end);
  const rest = (query.slice(0, start) + " " + query.slice(end))
    .replace(/\s+([?.!,;:])/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
  return { range, query: rest, matched: matched.trim() };
}

/** A time relative to an event the query names instead of a date: "before she moved". */
export interface EventAnchor {
  relation: "before" | "after";
  /** Words that name the event, to be looked up among the memories ("she moved"). */
  event: string;
  /** The text that was recognized ("before she moved"). */
  matched: string;
}

const ANCHOR_RE = /\b(before|after|since|until|till|prior\s+to|by\s+the\s+time)\s+([^?.!,;]+)/i;
/** Clause openers that make "before …" about a date or a duration, not an event. */
const NOT_EVENT = /^(?:the\s+)?(?:(?:last|next|this|past|previous)\s+\w+|today|tonight|yesterday|tomorrow|now|then|that|this|it|long|\d+\b|(?:a|an|one|two|three|few|couple)\s+(?:of\s+)?(?:days?|weeks?|months?|years?))/i;

/** Verbs with which "after" is not about time: named after, look after, take after, chase after. */
const NOT_TIME_AFTER = /\b(?:nam(?:e|ed|es|ing)|look(?:s|ed|ing)?|tak(?:e|es|ing)|took|ask(?:s|ed|ing)?|chas(?:e|ed|es|ing)|run(?:s|ning)?|ran)\s+$/i;

/**
 * The event a query anchors its time to: "before she moved", "after the wedding", "since he
 * started the job". Only for queries that have no date of their own (`parseTimeQuery` is null);
 * the event's time comes from the memory that best matches its words, which the caller finds.
 */
export function parseEventAnchor(query: string): EventAnchor | null {
  const m = ANCHOR_RE.exec(query);
  if (!m) return null;
  const event = m[2]!.trim();
  if (!event || NOT_EVENT.test(event)) return null;
  const word = m[1]!.toLowerCase().replace(/\s+/g, " ");
  if (word === "after" && NOT_TIME_AFTER.test(query.slice(0, m.index))) return null;
  const relation = word === "after" || word === "since" ? "after" : "before";
  return { relation, event, matched: m[0].trim() };
}

/** The range an anchored query means once its event's time is known: before it, or from it on. */
export function anchoredRange(anchor: EventAnchor, eventTime: number): TimeRange {
  return anchor.relation === "before" ? { from: null, to: eventTime } : { from: eventTime, to: null };
}
