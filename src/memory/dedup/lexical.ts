// Lexical signals for near-duplicate detection: stemmed content terms (fillers removed), and the
// wording in order, which tells a repeat from a sentence that reuses the same words for another fact.
import { isStopWord, stem, terms, tokenize } from "../text";

// Spoken fillers carry no content; removed only as fixed phrases so that "know" or "mean" stay elsewhere.
const FILLERS = /\b(?:um+|uh+|erm?|hmm+|basically|honestly|literally|actually|totally|you know|i mean|kind of|sort of)\b/gi;

/** The set of content terms of a text, robust to casing, punctuation and fillers. */
export function lexicalSignature(text: string): Set<string> {
  return new Set(terms(text.replace(FILLERS, " ")));
}

/** Jaccard similarity of two signatures; 0 when either has fewer than `minTerms` terms (too short to judge). */
export function lexicalSimilarity(a: ReadonlySet<string>, b: ReadonlySet<string>, minTerms = 3): number {
  if (a.size < minTerms || b.size < minTerms) return 0;
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  return inter / (a.size + b.size - inter);
}

/** Jaccard of the plain lowercase words (fillers removed): a guard against merging mere paraphrases. */
export function wordOverlap(a: string, b: string): number {
  const words = (t: string) => new Set(t.replace(FILLERS, " ").toLowerCase().match(/[a-z0-9]+/g) ?? []);
  const x = words(a);
  const y = words(b);
  let inter = 0;
  for (const w of x) if (y.has(w)) inter++;
  return inter / (x.size + y.size - inter || 1);
}

// Words whose presence or absence does not change what a sentence states: articles, intensifiers,
// interjections. Everything else counts, prepositions included: "came from Germany to Erie" is not
// "came to Germany from Erie".
const WEAK_WORDS: ReadonlySet<string> = new Set(
  ["a", "an", "the", "so", "well", "just", "really", "very", "also", "too", "like", "oh", "yeah", "yes", "hey", "hi", "hello", "wow", "aw", "aww", "ha", "haha", "lol", "omg"],
);
// Agreement that pronoun resolution gets wrong ("we are" → "Melanie are"): one form for each verb.
const AGREEMENT: ReadonlyMap<string, string> = new Map([["am", "is"], ["are", "is"], ["were", "was"], ["have", "has"], ["do", "does"]]);
const NEGATIONS: ReadonlySet<string> = new Set(["not", "no", "never", "nor", "none", "nothing", "nobody", "neither", "without", "cannot"]);

// The label date extraction appends to a relative time ("last week (the week of 10 July 2023)"),
// read as one word: noise that hides the relative time drops it whole, and another date differs.
const DATE_LABEL = /\s*\((?:the (week|weekend|month|year) of )?(\d{1,2} )?(January|February|March|April|May|June|July|August|September|October|November|December)? ?(\d{4})\)/gi;
const dateWord = (...parts: Array<string | undefined>): string => ` date${parts.slice(1, 5).map((p) => (p ?? "").trim().toLowerCase()).join("")} `;

// A spoken "I mean" or "you know" that pronoun resolution turned into "Caroline means" / "Melanie know".
const NAME_THEN_FILLER = /\b([A-Z][a-z]+) (means|mean|knows|know)\b/gi;

// The same neighbour texts come back for candidate after candidate: their wording is kept (bounded).
const WORDING_CACHE_LIMIT = 20_000;
const wordings = new Map<string, readonly string[]>();

/** The words of a text in order, lowercased, without fillers, articles, intensifiers and date labels. */
export function wording(text: string): readonly string[] {
  const hit = wordings.get(text);
  if (hit) return hit;
  const plain = text.replace(DATE_LABEL, dateWord).replace(FILLERS, " ").replace(NAME_THEN_FILLER, (m, name: string) => (/^[A-Z][a-z]+$/.test(name) ? " " : m));
  const words = tokenize(plain).filter((w) => !WEAK_WORDS.has(w)).map((w) => AGREEMENT.get(w) ?? w);
  if (wordings.size >= WORDING_CACHE_LIMIT) wordings.clear();
  wordings.set(text, words);
  return words;
}

const negations = (words: readonly string[]): number => words.reduce((n, w) => n + (NEGATIONS.has(w) ? 1 : 0), 0);

// First and second person: extraction resolves them to the speakers' names, except where it cannot
// (an all-caps "US"), so "helps us" and "helps Melanie" are the same words said of the same person.
const PERSONAL: ReadonlySet<string> = new Set(["i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves", "you", "your", "yours", "yourself"]);
/** At most this many words may differ by a stand-in: a personal pronoun for a name, or another form of the same word. */
const MAX_STAND_INS = 2;

const nameLike = (w: string): boolean => /^\p{L}+$/u.test(w) && !isStopWord(w);
/**
 * Whether `x` may stand for `y`: a personal pronoun for a name-like word ("us" / "Melanie", not
 * "us" / "them"), or another form of the same word ("reach" / "reaches"); never a negation.
 */
const standsFor = (x: string, y: string): boolean =>
  (PERSONAL.has(x) && nameLike(y)) || (PERSONAL.has(y) && nameLike(x)) || (!NEGATIONS.has(x) && !NEGATIONS.has(y) && stem(x) === stem(y));

/** Counts the positions of [from, to) where a word of `a` stands for one of `b`; -1 at a real difference. */
function standIns(a: readonly string[], b: readonly string[], from: number, to: number, offset = 0): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const x = a[i]!;
    const y = b[i + offset]!;
    if (x === y) continue;
    if (!standsFor(x, y)) return -1;
    n++;
  }
  return n;
}

// A phrase that may move as a whole without changing what is said: time and place adverbials.
const ADVERBIAL_START: ReadonlySet<string> = new Set(["in", "on", "at", "during", "after", "before", "since", "until", "by", "for", "from", "with", "every", "each", "last", "next", "when", "while", "if", "unless", "because"]);

const isAdverbial = (phrase: readonly string[]): boolean => phrase.length >= 2 && ADVERBIAL_START.has(phrase[0]!);

/**
 * Whether two wordings state the same thing: the same words in the same order, except that a
 * time or place phrase may have moved to or from an end ("in 1972 the family moved to Camp Hill"
 * / "the family moved to Camp Hill in 1972"). Swapped names ("the Tabaci is a tributary of the
 * Leurda" / "the Leurda is a tributary of the Tabaci"), another word (guitar / drums, 2 / 3), a
 * negation, or a moved name ("Michel Soro Tapia lost" / "Tapia lost Michel Soro") do not.
 */
export function sameWording(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length || a.length === 0) return false;
  const subs = standIns(a, b, 0, a.length);
  if (subs >= 0 && subs <= MAX_STAND_INS) return true;
  let start = 0;
  while (start < a.length && a[start] === b[start]) start++;
  if (start === a.length) return true;
  let end = a.length;
  while (end > start && a[end - 1] === b[end - 1]) end--;
  if (start > 0 && end < a.length) return false;
  // What differs must be one span whose two parts changed places (a rotation), one of them an adverbial.
  const x = a.slice(start, end);
  const y = b.slice(start, end);
  for (let shift = 1; shift < x.length; shift++) {
    let ok = true;
    for (let i = 0; i < x.length && ok; i++) ok = x[(i + shift) % x.length] === y[i];
    if (ok && (isAdverbial(x.slice(0, shift)) || isAdverbial(x.slice(shift)))) return true;
  }
  return false;
}

/**
 * The words `outer` adds to `inner`, when `outer` is `inner` with words added in one run inside,
 * at most two words long ("a small brown dog"), or at its ends ("Last year ... with Mel");
 * otherwise null. A longer run inside changes whom the words around it are about ("the daughter
 * of actor [X and father of] Y"). A run may carry a negation only as a clause of its own at an
 * end ("..., but not for long"), never as a word that flips the rest ("does not").
 */
export function addedWords(inner: readonly string[], outer: readonly string[]): string[] | null {
  const added = outer.length - inner.length;
  if (inner.length === 0 || added < 0) return null;
  const negationOk = (run: readonly string[], inside: boolean): boolean =>
    negations(run) === 0 || (!inside && run.length >= 3) || (run.length === 1 && run[0] === "no" && negations(inner) > 0);
  // One run inside: `outer` = inner[0, at) + run + inner[at, end).
  for (let at = inner.length - 1; at > 0 && added <= 2; at--) {
    const head = standIns(inner, outer, 0, at);
    const tail = head < 0 ? -1 : standIns(inner, outer, at, inner.length, added);
    const run = outer.slice(at, at + added);
    if (tail >= 0 && head + tail <= MAX_STAND_INS && negationOk(run, true)) return run;
  }
  // Runs at the ends: `outer` = before + inner + after; an answer's "no" before a negated clause
  // ("no, Caroline hasn't") changes nothing.
  for (let before = 0; before <= added; before++) {
    const subs = standIns(inner, outer, 0, inner.length, before);
    if (subs < 0 || subs > MAX_STAND_INS) continue;
    const head = outer.slice(0, before);
    const tail = outer.slice(before + inner.length);
    if (negationOk(head, false) && negationOk(tail, false)) return [...head, ...tail];
  }
  return null;
}

/** Whether `inner` says nothing that `outer` does not (see `addedWords`). */
export function wordingWithin(inner: readonly string[], outer: readonly string[]): boolean {
  return addedWords(inner, outer) !== null;
}
