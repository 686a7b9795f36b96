// Text normalization, hashing, tokenization, stop words and a Porter stemmer, shared by dedup,
import { sha256Hex } from "../governance/crypto";
// keyword query building and the embedded embedder. Pure and deterministic.

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

// ---- Porter stemmer (M. F. Porter, 1980), the classic algorithm, deterministic. ----

function isConsonant(w: string, i: number): boolean {
  const c = w.charCodeAt(i);
  // a e i o u
  if (c === 97 || c === 101 || c === 105 || c === 111 || c === 117) return false;
  if (c === 121) return i === 0 ? true : !isConsonant(w, i - 1); // y
  return true;
}

/** m(): the number of VC sequences in w[0..end). */
function measure(w: string, end: number): number {
  let n = 0;
  let i = 0;
  while (i < end && isConsonant(w, i)) i++;
  while (i < end) {
    while (i < end && !isConsonant(w, i)) i++;
    if (i >= end) break;
    n++;
    while (i < end && isConsonant(w, i)) i++;
  }
  return n;
}

function hasVowel(w: string, end: number): boolean {
  for (let i = 0; i < end; i++) if (!isConsonant(w, i)) return true;
  return false;
}

function endsDoubleConsonant(w: string, end: number): boolean {
  return end >= 2 && w[end - 1] === w[end - 2] && isConsonant(w, end - 1);
}

/** *o: stem ends cvc where the last c is not w, x or y. */
function endsCvc(w: string, end: number): boolean {
  if (end < 3) return false;
  if (!isConsonant(w, end - 1) || isConsonant(w, end - 2) || !isConsonant(w, end - 3)) return false;
  const c = w[end - 1];
  return c !== "w" && c !== "x" && c !== "y";
}

type Rule = readonly [suffix: string, replacement: string];

function applyRules(w: string, rules: readonly Rule[], minMeasure: number): string {
  for (const [suf, rep] of rules) {
    if (w.endsWith(suf)) {
      const stemEnd = w.length - suf.length;
      return measure(w, stemEnd) > minMeasure ? w.slice(0, stemEnd) + rep : w;
    }
  }
  return w;
}

const STEP2: readonly Rule[] = [
  ["ational", "ate"], ["tional", "tion"], ["enci", "ence"], ["anci", "ance"], ["izer", "ize"],
  ["bli", "ble"], ["alli", "al"], ["entli", "ent"], ["eli", "e"], ["ousli", "ous"],
  ["ization", "ize"], ["ation", "ate"], ["ator", "ate"], ["alism", "al"], ["iveness", "ive"],
  ["fulness", "ful"], ["ousness", "ous"], ["aliti", "al"], ["iviti", "ive"], ["biliti", "ble"],
  ["logi", "log"],
];
const STEP3: readonly Rule[] = [
  ["icate", "ic"], ["ative", ""], ["alize", "al"], ["iciti", "ic"], ["ical", "ic"], ["ful", ""], ["ness", ""],
];
const STEP4 = [
  "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou",
  "ism", "ate", "iti", "ous", "ive", "ize",
] as const;

// Longest suffix first within each step, as the algorithm requires.
const byLength = (a: Rule, b: Rule): number => b[0].length - a[0].length;
const STEP2_SORTED = [...STEP2].sort(byLength);
const STEP3_SORTED = [...STEP3].sort(byLength);
const STEP4_SORTED = [...STEP4].sort((a, b) => b.length - a.length);

/** Porter stem of one lowercase token. Tokens of 2 letters or fewer and non-ASCII words are kept. */
export function stem(token: string): string {
  if (token.length <= 2 || !/^[a-z]+$/.test(token)) return token;
  let w = token;

  // Step 1a
  if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("ies")) w = w.slice(0, -2);
  else if (w.endsWith("ss")) { /* keep */ }
  else if (w.endsWith("s")) w = w.slice(0, -1);

  // Step 1b
  let step1bExtra = false;
  if (w.endsWith("eed")) {
    if (measure(w, w.length - 3) > 0) w = w.slice(0, -1);
  } else if (w.endsWith("ed") && hasVowel(w, w.length - 2)) {
    w = w.slice(0, -2);
    step1bExtra = true;
  } else if (w.endsWith("ing") && hasVowel(w, w.length - 3)) {
    w = w.slice(0, -3);
    step1bExtra = true;
  }
  if (step1bExtra) {
    if (w.endsWith("at") || w.endsWith("bl") || w.endsWith("iz")) w += "e";
    else if (endsDoubleConsonant(w, w.length) && !/[lsz]$/.test(w)) w = w.slice(0, -1);
    else if (measure(w, w.length) === 1 && endsCvc(w, w.length)) w += "e";
  }

  // Step 1c
  if (w.endsWith("y") && hasVowel(w, w.length - 1)) w = w.slice(0, -1) + "i";

  // Steps 2 and 3
  w = applyRules(w, STEP2_SORTED, 0);
  w = applyRules(w, STEP3_SORTED, 0);

  // Step 4
  for (const suf of STEP4_SORTED) {
    if (!w.endsWith(suf)) continue;
    const stemEnd = w.length - suf.length;
    if (measure(w, stemEnd) > 1) {
      if (suf === "ion") {
        const prev = w[stemEnd - 1];
        if (prev === "s" || prev === "t") w = w.slice(0, stemEnd);
      } else {
        w = w.slice(0, stemEnd);
      }
    }
    break;
  }

  // Step 5a
  if (w.endsWith("e")) {
    const m = measure(w, w.length - 1);
    if (m > 1 || (m === 1 && !endsCvc(w, w.length - 1))) w = w.slice(0, -1);
  }
  // Step 5b
  if (measure(w, w.length) > 1 && endsDoubleConsonant(w, w.length) && w.endsWith("l")) w = w.slice(0, -1);
  return w;
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
