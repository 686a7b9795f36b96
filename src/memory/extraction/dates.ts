// Resolves the time a sentence talks about ("yesterday", "last May", "two days ago", "8 May 2023")
// to an absolute UTC time against the message's timestamp. Pure and deterministic.

import { DAY, MONTH_RE, MONTHS, WEEKDAY_RE, WEEKDAYS, dayStart, monthIndex, parseCount, validDay } from "../date-words";

/** How precise a resolved time is; the time itself is the start of that period (UTC). */
export type DateGranularity = "day" | "week" | "month" | "year";

export interface ResolvedDate {
  /** Start of the period, ms since the epoch, UTC. */
  time: number;
  granularity: DateGranularity;
  /** The expression as it appears in the text. */
  matched: string;
  /** Human-readable absolute form: "8 May 2023", "the week of 1 May 2023", "May 2023", "2023". */
  label: string;
}

function label(time: number, g: DateGranularity): string {
  const d = new Date(time);
  const month = MONTHS[d.getUTCMonth()]!;
  const M = month[0]!.toUpperCase() + month.slice(1);
  switch (g) {
    case "day":
      return `${d.getUTCDate()} ${M} ${d.getUTCFullYear()}`;
    case "week":
      return `the week of ${d.getUTCDate()} ${M} ${d.getUTCFullYear()}`;
    case "month":
      return `${M} ${d.getUTCFullYear()}`;
    case "year":
      return String(d.getUTCFullYear());
  }
}

function make(time: number, g: DateGranularity, matched: string): ResolvedDate {
  return { time, granularity: g, matched, label: label(time, g) };
}

/** Monday of the week containing `ms`. */
function weekStart(ms: number): number {
  const d = dayStart(ms);
  return d - ((new Date(d).getUTCDay() + 6) % 7) * DAY;
}

function addMonths(ref: number, n: number): number {
  const d = new Date(ref);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1);
}

type Resolver = (m: RegExpExecArray, ref: number) => ResolvedDate | null;

const COUNT = "(\\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:a )?couple(?: of)?|(?:a )?few)";

// Ordered: the most specific expressions first. All patterns are case-insensitive.
const RULES: readonly [RegExp, Resolver][] = [
  [/\b(\d{4})-(\d{2})-(\d{2})\b/i, (m) => {
    const t = validDay(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    return t === null ? null : make(t, "day", m[0]);
  }],
  // 8 May 2023, 8th of May, 2023
  [new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?(?: of)? ${MONTH_RE},? (\\d{4})\\b`, "i"), (m) => {
    const t = validDay(Number(m[3]), monthIndex(m[2]!), Number(m[1]));
    return t === null ? null : make(t, "day", m[0]);
  }],
  // May 8, 2023 / May 8th 2023
  [new RegExp(`\\b${MONTH_RE} (\\d{1,2})(?:st|nd|rd|th)?,? (\\d{4})\\b`, "i"), (m) => {
    const t = validDay(Number(m[3]), monthIndex(m[1]!), Number(m[2]));
    return t === null ? null : make(t, "day", m[0]);
  }],
  // May 2023
  [new RegExp(`\\b${MONTH_RE},? (\\d{4})\\b`, "i"), (m) => make(Date.UTC(Number(m[2]), monthIndex(m[1]!), 1), "month", m[0])],
  [/\b(?:the )?day before yesterday\b/i, (m, ref) => make(dayStart(ref) - 2 * DAY, "day", m[0])],
  [/\b(?:the )?day after tomorrow\b/i, (m, ref) => make(dayStart(ref) + 2 * DAY, "day", m[0])],
  [/\byesterday\b/i, (m, ref) => make(dayStart(ref) - DAY, "day", m[0])],
  [/\b(?:last night|earlier today)\b/i, (m, ref) => make(dayStart(ref) - (/night/i.test(m[0]) ? DAY : 0), "day", m[0])],
  [/\btomorrow\b/i, (m, ref) => make(dayStart(ref) + DAY, "day", m[0])],
  [/\b(?:today|tonight|this (?:morning|afternoon|evening))\b/i, (m, ref) => make(dayStart(ref), "day", m[0])],
  // two days ago, a couple of weeks ago, 3 months ago, a year ago
  [new RegExp(`\\b${COUNT} (day|week|month|year)s? ago\\b`, "i"), (m, ref) => {
    const n = parseCount(m[1]!);
    const unit = m[2]!.toLowerCase();
    if (unit === "day") return make(dayStart(ref) - n * DAY, "day", m[0]);
    if (unit === "week") return make(weekStart(dayStart(ref) - n * 7 * DAY), "week", m[0]);
    if (unit === "month") return make(addMonths(ref, -n), "month", m[0]);
    return make(Date.UTC(new Date(ref).getUTCFullYear() - n, 0, 1), "year", m[0]);
  }],
  // in two days, in a few weeks
  [new RegExp(`\\bin ${COUNT} (day|week|month|year)s?\\b`, "i"), (m, ref) => {
    const n = parseCount(m[1]!);
    const unit = m[2]!.toLowerCase();
    if (unit === "day") return make(dayStart(ref) + n * DAY, "day", m[0]);
    if (unit === "week") return make(weekStart(dayStart(ref) + n * 7 * DAY), "week", m[0]);
    if (unit === "month") return make(addMonths(ref, n), "month", m[0]);
    return make(Date.UTC(new Date(ref).getUTCFullYear() + n, 0, 1), "year", m[0]);
  }],
  [/\b(last|this past|past|next|this) weekend\b/i, (m, ref) => {
    const w = weekStart(ref);
    const which = m[1]!.toLowerCase();
    const base = which === "next" ? w + 7 * DAY : which === "this" ? w : w - 7 * DAY;
    return make(base + 5 * DAY, "day", m[0]); // Saturday
  }],
  [/\b(last|next|this) week\b/i, (m, ref) => {
    const w = weekStart(ref);
    const which = m[1]!.toLowerCase();
    return make(which === "last" ? w - 7 * DAY : which === "next" ? w + 7 * DAY : w, "week", m[0]);
  }],
  [/\b(last|next|this) month\b/i, (m, ref) => {
    const which = m[1]!.toLowerCase();
    return make(addMonths(ref, which === "last" ? -1 : which === "next" ? 1 : 0), "month", m[0]);
  }],
  [/\b(last|next|this) year\b/i, (m, ref) => {
    const y = new Date(ref).getUTCFullYear();
    const which = m[1]!.toLowerCase();
    return make(Date.UTC(which === "last" ? y - 1 : which === "next" ? y + 1 : y, 0, 1), "year", m[0]);
  }],
  // last Friday, next Monday, on Saturday (past by default in narration)
  [new RegExp(`\\b(last|next|this|on) ${WEEKDAY_RE}\\b`, "i"), (m, ref) => {
    const target = WEEKDAYS.indexOf(m[2]!.toLowerCase());
    const today = dayStart(ref);
    const dow = new Date(today).getUTCDay();
    const which = m[1]!.toLowerCase();
    if (which === "next") return make(today + (((target - dow + 7) % 7) || 7) * DAY, "day", m[0]);
    if (which === "this") return make(today + ((target - dow + 7) % 7) * DAY, "day", m[0]);
    return make(today - (((dow - target + 7) % 7) || 7) * DAY, "day", m[0]);
  }],
  // last May (the most recent May before the reference month), next May, this May
  [new RegExp(`\\b(last|next|this) ${MONTH_RE}\\b`, "i"), (m, ref) => {
    const r = new Date(ref);
    const month = monthIndex(m[2]!);
    const which = m[1]!.toLowerCase();
    let y = r.getUTCFullYear();
    if (which === "last" && month >= r.getUTCMonth()) y -= 1;
    if (which === "next" && month <= r.getUTCMonth()) y += 1;
    return make(Date.UTC(y, month, 1), "month", m[0]);
  }],
  // in/since/back in 2016
  [/\b(?:in|since|back in|during|of) ((?:19|20)\d{2})\b/i, (m) => make(Date.UTC(Number(m[1]), 0, 1), "year", m[0])],
];

/**
 * The first time expression in `text`, resolved against `ref` (ms, UTC). Returns null when the
 * text says nothing about when. Bare month names ("in May") are left alone: too ambiguous.
 */
export function resolveDate(text: string, ref: number): ResolvedDate | null {
  let best: { at: number; date: ResolvedDate } | null = null;
  for (const [re, resolve] of RULES) {
    const m = re.exec(text);
    if (!m) continue;
    const date = resolve(m, ref);
    if (!date) continue;
    // Earliest in the text wins; among equal starts, the earlier (more specific) rule.
    if (best === null || m.index < best.at) best = { at: m.index, date };
  }
  return best?.date ?? null;
}

/** Whether the expression is relative (needs the message time to mean anything). */
export function isRelative(date: ResolvedDate): boolean {
  return !/\d{4}/.test(date.matched);
}
