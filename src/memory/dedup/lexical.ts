// Lexical signature for near-duplicate detection: stemmed content terms, disfluency fillers removed.
import { terms } from "../text";

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
