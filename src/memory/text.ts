// Text normalization, hashing, tokenization, stop words and Porter stems, shared by dedup,
// keyword query building and the embedded embedder. Pure and deterministic.
import { stemmer } from "stemmer";
import { sha256Hex } from "../governance/crypto";

/** NFKC, lowercase, curly quotes folded to ASCII, whitespace collapsed and trimmed. */
export function normalize(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * The form whose SHA-256 is a memory's `hash`: `normalize` plus punctuation and symbols removed,
 * so "I like tea." and "i like tea" hash alike. Letters and digits of every script are kept.
 */
export function normalizeForHash(text: string): string {
  return normalize(text)
    .replace(/[^\p{L}\p{N}\s]/gu, "")
    .replace(/\s+/g, " ")
    .trim();
}

export { sha256Hex };

/** SHA-256 of `normalizeForHash(text)`: the exact-duplicate key of a memory. */
export function contentHash(text: string): Promise<string> {
  return sha256Hex(normalizeForHash(text));
}

const TOKEN_RE = /[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu;

/**
 * Lowercase alphanumeric tokens in order. Apostrophes inside a word are handled: the possessive
 * "'s" is dropped ("Caroline's" → "caroline"), "n't" becomes "not" as its own token ("don't" →
 * "do", "not"), other contractions lose their suffix ("I'm" → "i", "we'll" → "we").
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const norm = normalize(text);
  for (const m of norm.matchAll(TOKEN_RE)) {
    const tok = m[0];
    const q = tok.indexOf("'");
    if (q < 0) {
      out.push(tok);
      continue;
    }
    if (tok.endsWith("n't")) {
      const head = tok.slice(0, -3);
      // can't → ca + not; won't → wo + not: restore the usual verb.
      const base = head === "ca" ? "can" : head === "wo" ? "will" : head === "sha" ? "shall" : head;
      if (base) out.push(base);
      out.push("not");
      continue;
    }
    const head = tok.slice(0, q);
    if (head) out.push(head);
  }
  return out;
}

/** English stop words: function words that carry no topic. Kept small and stable. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a about above after again against all am an and any are as at be because been before being below " +
    "between both but by can could did do does doing down during each few for from further had has have " +
    "having he her here hers herself him himself his how i if in into is it its itself just me more most " +
    "my myself no nor not now of off on once only or other our ours ourselves out over own same she " +
    "should so some such than that the their theirs them themselves then there these they this those " +
    "through to too under until up very was we were what when where which while who whom why will with " +
    "would you your yours yourself yourselves also yeah yes oh ok okay really just like get got gonna " +
    "let lets us s t d ll m re ve y im thats theres whats hey hi hello wow"
  ).split(" "),
);

export function isStopWord(token: string): boolean {
  return STOP_WORDS.has(token);
}

/**
 * Porter stem (M. F. Porter, 1980) of one lowercase token, by the `stemmer` package. Tokens of 2
 * letters or fewer and non-ASCII words are kept as they are, as FTS5's porter tokenizer does.
 */
export function stem(token: string): string {
  if (token.length <= 2 || !/^[a-z]+$/.test(token)) return token;
  return stemmer(token);
}

/** Stemmed tokens of `text` without stop words, in order (duplicates kept: callers count tf). */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const tok of tokenize(text)) {
    if (STOP_WORDS.has(tok)) continue;
    out.push(stem(tok));
  }
  return out;
}
