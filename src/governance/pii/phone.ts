// Phone numbers: phone-shaped candidates found by a pattern, parsed and checked with libphonenumber-js.
import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from "libphonenumber-js/max";

/** Regions whose national formats are recognized when no option is given (the regions of the benchmark set). */
export const DEFAULT_PHONE_REGIONS: readonly CountryCode[] = ["US", "CN", "GB", "DE", "FR"];

// An optional +/00 prefix, an optional opening parenthesis, then digits with single separators.
const CANDIDATE = /(?<![\w+\-./#])(?:\+ ?|00)?\(?\d(?:[\d]|[ \u00a0.\-/]\(?|\) ?){5,24}\d(?![\w]|[.\-/]\d)/g;
// Words that say a number is a phone number, looked for just before it.
const CONTEXT = /(phone|tel\b|telephone|mobile|cell|call|text me|whats ?app|fax|contact|reach|dial|number|电话|手机|联系|号码|致电|拨打|微信)/i;
// Words that say a number is something else (an order, an invoice...), just before it.
const NOT_PHONE = /(?:\b(?:order|invoice|ticket|tracking|ref(?:erence)?|account|acct|id)\b|订单|单号|编号)\s*(?:no\.?|number|#|:|：)?\s*$/i;
const DATE_LIKE = /^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$/;
const SSN_LIKE = /^\d{3}-\d{2}-\d{4}$/;
const IPV4_LIKE = /^\d{1,3}(\.\d{1,3}){3}$/;

export interface PhoneMatch {
  start: number;
  end: number;
  e164: string;
}

/**
 * Phone numbers in `text`. A candidate with `+` or `00` counts when its length is possible for its
 * country code; a national one when it is a valid number of one of `regions` (number plan and
 * length), or a possible one with a phone word (phone, call, 手机...) in the 32 characters before it.
 * Dates, SSN- and IPv4-shaped strings are never phones, nor a number right after "order",
 * "invoice", "ticket", "ref"... unless a phone word is near too.
 */
export function findPhones(text: string, regions: readonly CountryCode[] = DEFAULT_PHONE_REGIONS): PhoneMatch[] {
  const out: PhoneMatch[] = [];
  for (const m of text.matchAll(CANDIDATE)) {
    let raw = m[0];
    let start = m.index;
    // A parenthesis that opens nothing phone-like ("(13812345678)") is not part of the number.
    if (raw.startsWith("(") && !/^\(\d{1,5}\)/.test(raw)) {
      raw = raw.slice(1);
      start++;
    }
    const digits = raw.replace(/\D/g, "");
    if (digits.length < 7 || digits.length > 15) continue;
    if (DATE_LIKE.test(raw) || SSN_LIKE.test(raw) || IPV4_LIKE.test(raw)) continue;
    if (/[ \u00a0.\-/]{2}/.test(raw)) continue;
    const before = text.slice(Math.max(0, start - 32), start);
    const context = CONTEXT.test(before);
    if (!context && NOT_PHONE.test(before)) continue;
    const phone = raw.startsWith("+") || raw.startsWith("00") ? international(raw) : national(raw, regions, context);
    if (phone) out.push({ start, end: start + raw.length, e164: phone.number });
  }
  return out;
}

function international(raw: string): PhoneNumber | undefined {
  const p = parsePhoneNumberFromString(raw.startsWith("00") ? "+" + raw.slice(2) : raw);
  return p && p.isPossible() ? p : undefined;
}

// Regions whose national numbers are written without a trunk prefix (NANP), and China's mobiles.
const NO_TRUNK_PREFIX = new Set<CountryCode>(["US", "CA"]);
const CN_MOBILE = /^1[3-9]\d{9}$/;

function national(raw: string, regions: readonly CountryCode[], context: boolean): PhoneNumber | undefined {
  let possible: PhoneNumber | undefined;
  const digits = raw.replace(/\D/g, "");
  for (const region of regions) {
    // Elsewhere a national number starts with its trunk prefix 0 (0171..., 01 23..., 010...).
    if (!NO_TRUNK_PREFIX.has(region) && !digits.startsWith("0") && !(region === "CN" && CN_MOBILE.test(digits))) continue;
    const p = parsePhoneNumberFromString(raw, region);
    if (!p) continue;
    if (p.isValid()) return p;
    if (!possible && p.isPossible()) possible = p;
  }
  return context ? possible : undefined;
}
