// desensitize: spans replaced by typed placeholders, stable per (type, normalized value) through a mapping.
import { detectPii, type DetectOptions } from "./detect";
import type { PiiType, PrivacyMode, Span } from "./types";

/**
 * The placeholder mapping of one cube (what its vault persists): `placeholders` maps
 * `${type}:${normalized}` to a placeholder such as `[EMAIL_3]`; `next` is the next number per type.
 * Plain JSON, never mutated by desensitize.
 */
export interface PiiMapping {
  placeholders: Readonly<Record<string, string>>;
  next: Readonly<Partial<Record<PiiType, number>>>;
}

/** A value given a placeholder by this call (for the vault). `value` is the first spelling seen. */
export interface VaultEntry {
  placeholder: string;
  type: PiiType;
  key: string;
  value: string;
}

export interface Desensitized {
  text: string;
  spans: Span[];
  mapping: PiiMapping;
  added: VaultEntry[];
}

export const EMPTY_MAPPING: PiiMapping = { placeholders: {}, next: {} };

/** The mapping key of a span: its type and normalized value. */
export function mappingKey(span: Pick<Span, "type" | "normalized">): string {
  return `${span.type}:${span.normalized}`;
}

/**
 * `mask`: each span becomes `[TYPE_n]`, the same n for the same type and normalized value as
 * recorded in `mapping` (new values get the next number and are returned in `added`). `redact`:
 * each span becomes `[TYPE]` and nothing is recorded. `off`: the text unchanged, no detection.
 */
export function desensitize(text: string, mode: PrivacyMode, mapping: PiiMapping = EMPTY_MAPPING, options: DetectOptions = {}): Desensitized {
  if (mode === "off") return { text, spans: [], mapping, added: [] };
  return applySpans(text, detectPii(text, options), mode, mapping);
}

/**
 * desensitize over spans already detected (sorted, not overlapping). `keys[i]` is the mapping key
 * of `spans[i]` (default `mappingKey`): a vault that looks values up by a keyed hash passes those.
 */
export function applySpans(text: string, spans: readonly Span[], mode: Exclude<PrivacyMode, "off">, mapping: PiiMapping, keys?: readonly string[]): Desensitized {
  if (spans.length === 0) return { text, spans: [...spans], mapping, added: [] };
  const placeholders: Record<string, string> = { ...mapping.placeholders };
  const next: Partial<Record<PiiType, number>> = { ...mapping.next };
  const added: VaultEntry[] = [];
  let out = "";
  let at = 0;
  spans.forEach((span, i) => {
    out += text.slice(at, span.start);
    if (mode === "redact") out += `[${span.type}]`;
    else {
      const key = keys?.[i] ?? mappingKey(span);
      let placeholder = placeholders[key];
      if (!placeholder) {
        const n = next[span.type] ?? 1;
        next[span.type] = n + 1;
        placeholder = `[${span.type}_${n}]`;
        placeholders[key] = placeholder;
        added.push({ placeholder, type: span.type, key, value: span.value });
      }
      out += placeholder;
    }
    at = span.end;
  });
  out += text.slice(at);
  return { text: out, spans: [...spans], mapping: added.length ? { placeholders, next } : mapping, added };
}

/** Placeholders of `text` filled back from `values` (placeholder → original); unknown ones stay as they are. */
export function reveal(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\[[A-Z_]+_\d+\]/g, (p) => values[p] ?? p);
}

/** The distinct placeholders of `text`, in order of first appearance. */
export function placeholdersIn(text: string): string[] {
  return [...new Set(text.match(/\[[A-Z_]+_\d+\]/g) ?? [])];
}
