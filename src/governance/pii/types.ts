// The PII types the detector knows, the span it returns, and the desensitization modes.

/** Types of personal data and secrets, most specific first (the order breaks ties between overlapping spans). */
export const PII_TYPES = [
  "PRIVATE_KEY",
  "JWT",
  "API_KEY",
  "SECRET",
  "PASSWORD",
  "EMAIL",
  "IBAN",
  "CN_ID",
  "CARD",
  "SSN",
  "IP",
  "PHONE",
  // Found by a configured model only (model-detect.ts), never by the patterns.
  "ADDRESS",
  "PERSON",
] as const;
export type PiiType = (typeof PII_TYPES)[number];

/**
 * One detected value. `start`/`end` are UTF-16 offsets into the scanned text (end exclusive),
 * `value` is `text.slice(start, end)`, `normalized` the canonical form used to give the same value
 * the same placeholder (E.164 for phones, lowercase for emails, digits only for cards...).
 */
export interface Span {
  type: PiiType;
  start: number;
  end: number;
  value: string;
  normalized: string;
}

/** `mask`: typed numbered placeholders kept in a vault; `redact`: typed placeholders, values dropped; `off`: unchanged. */
export const PRIVACY_MODES = ["mask", "redact", "off"] as const;
export type PrivacyMode = (typeof PRIVACY_MODES)[number];
