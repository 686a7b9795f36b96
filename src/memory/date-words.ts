// The date vocabulary shared by the extractor's date resolution and the search's time queries:
// month and weekday names, number words, and UTC day arithmetic. Pure.

export const DAY = 86_400_000;
export const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
/** A month name or its usual abbreviation, as one capture group. */
export const MONTH_RE = "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
export const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
export const WEEKDAY_RE = "(sunday|monday|tuesday|wednesday|thursday|friday|saturday)";
const NUMBER_WORDS: Readonly<Record<string, number>> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, couple: 2, "a couple": 2, "a couple of": 2, few: 3, "a few": 3,
};

/** 0-based month of a month name or abbreviation; -1 when it is none. */
export function monthIndex(name: string): number {
  const n = name.toLowerCase().slice(0, 3);
  return MONTHS.findIndex((m) => m.startsWith(n));
}

export const dayStart = (ms: number): number => Math.floor(ms / DAY) * DAY;

/** A count written as digits or words ("3", "three", "a couple of"); 1 when unreadable. */
export function parseCount(s: string): number {
  const t = s.toLowerCase().trim();
  const n = Number(t);
  return Number.isFinite(n) ? n : (NUMBER_WORDS[t] ?? 1);
}

/** Midnight UTC of that day, or null when the day does not exist (31 February). */
export function validDay(y: number, m: number, d: number): number | null {
  const t = Date.UTC(y, m, d);
  const c = new Date(t);
  return c.getUTCMonth() === m && c.getUTCDate() === d ? t : null;
}
