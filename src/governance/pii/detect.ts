// detectPii: every rule run over the text, candidates checked by their validators, overlaps resolved.
import type { CountryCode } from "libphonenumber-js/max";
import { findPhones } from "./phone";
import { SECRET_RULES } from "./secrets";
import { PII_TYPES, type PiiType, type Span } from "./types";
import { IBAN_LENGTHS, cardValid, cnIdValid, ibanValid, ipv4Valid, ipv6Valid, ssnValid } from "./validators";

export interface DetectOptions {
  /** Regions whose national phone formats are recognized (default: US, CN, GB, DE, FR). */
  phoneRegions?: readonly CountryCode[];
}

const EMAIL = /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])/g;
// 13 to 19 digits in groups separated by one space or dash.
const CARD = /(?<![\d-])\d{4}(?:[ -]?\d{1,7}){1,4}(?![\d]|-\d)/g;
const IBAN_START = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?= ?[A-Z0-9])/g;
const CN_ID = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;
const SSN = /(?<![\w-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w]|-\d)/g;
const SSN_BARE = /(?<![\w-])\d{9}(?![\w]|-\d)/g;
const SSN_CONTEXT = /(ssn|social security|social-security|soc\.? sec)/i;
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:]|\.\d)/g;
const VERSION_BEFORE = /\b(?:v|version|ver\.?|release|build)\s*$/i;

const PRIORITY = new Map<PiiType, number>(PII_TYPES.map((t, i) => [t, i]));

/**
 * All personal data and secrets found in `text`, in text order, never overlapping: where two
 * candidates overlap the longer one wins, and on equal length the more specific type (the order of
 * PII_TYPES). Pure and synchronous; runs the same in Node and workerd.
 */
export function detectPii(text: string, options: DetectOptions = {}): Span[] {
  const found: Span[] = [];
  const add = (type: PiiType, start: number, end: number, normalized: string): void => {
    found.push({ type, start, end, value: text.slice(start, end), normalized });
  };

  for (const m of text.matchAll(EMAIL)) add("EMAIL", m.index, m.index + m[0].length, m[0].toLowerCase());

  for (const m of text.matchAll(CARD)) {
    const digits = m[0].replace(/\D/g, "");
    if (digits.length >= 13 && consistentSeparators(m[0]) && cardValid(digits)) add("CARD", m.index, m.index + m[0].length, digits);
  }

  for (const m of text.matchAll(IBAN_START)) {
    const span = ibanAt(text, m.index);
    if (span) add("IBAN", m.index, span.end, span.iban);
  }

  for (const m of text.matchAll(CN_ID)) {
    const id = m[0].toUpperCase();
    if (cnIdValid(id)) add("CN_ID", m.index, m.index + 18, id);
  }

  for (const m of text.matchAll(SSN)) {
    const digits = m[1]! + m[3]! + m[4]!;
    if (ssnValid(digits)) add("SSN", m.index, m.index + m[0].length, digits);
  }
  for (const m of text.matchAll(SSN_BARE)) {
    if (ssnValid(m[0]) && SSN_CONTEXT.test(text.slice(Math.max(0, m.index - 40), m.index))) add("SSN", m.index, m.index + 9, m[0]);
  }

  for (const m of text.matchAll(IPV4)) {
    if (ipv4Valid(m[0]) && !VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 12), m.index))) {
      add("IP", m.index, m.index + m[0].length, m[0]);
    }
  }
  for (const m of text.matchAll(IPV6)) {
    const v = m[0];
    if (ipv6Valid(v) && v.replace(/[^0-9A-Fa-f]/g, "").length >= 3) add("IP", m.index, m.index + v.length, v.toLowerCase());
  }

  for (const rule of SECRET_RULES) {
    for (const m of text.matchAll(rule.pattern)) {
      const g = rule.group ?? 0;
      let value = m[g];
      if (value === undefined) continue;
      const start = m.index + (g === 0 ? 0 : m[0].lastIndexOf(value));
      if (rule.trimEnd) value = value.replace(rule.trimEnd, "");
      if (value.length === 0 || (rule.check && !rule.check(value))) continue;
      add(rule.type, start, start + value.length, value);
    }
  }

  for (const p of findPhones(text, options.phoneRegions)) add("PHONE", p.start, p.end, p.e164);

  return resolveOverlaps(found);
}

/** Card digits grouped with one kind of separator (or none). */
function consistentSeparators(s: string): boolean {
  return !(s.includes(" ") && s.includes("-"));
}

/** The IBAN starting at `start`: as many characters as its country's length, single spaces allowed between. */
function ibanAt(text: string, start: number): { end: number; iban: string } | null {
  const country = text.slice(start, start + 2);
  const want = IBAN_LENGTHS[country];
  if (!want) return null;
  let iban = "";
  let i = start;
  while (i < text.length && iban.length < want) {
    const ch = text[i]!;
    const between = ch === " " && iban.length >= 4 && /[A-Z0-9]/.test(text[i + 1] ?? "");
    if (/[A-Z0-9]/.test(ch)) iban += ch;
    else if (!between) break;
    i++;
  }
  if (iban.length !== want || /[A-Za-z0-9]/.test(text[i] ?? "")) return null;
  return ibanValid(iban) ? { end: i, iban } : null;
}

/** Longest first, then most specific type, then earliest; a span overlapping one already kept is dropped. */
export function resolveOverlaps(spans: readonly Span[]): Span[] {
  const ranked = [...spans].sort(
    (a, b) => b.end - b.start - (a.end - a.start) || PRIORITY.get(a.type)! - PRIORITY.get(b.type)! || a.start - b.start,
  );
  const kept: Span[] = [];
  for (const s of ranked) {
    if (!kept.some((k) => s.start < k.end && k.start < s.end)) kept.push(s);
  }
  return kept.sort((a, b) => a.start - b.start);
}
