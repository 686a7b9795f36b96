// The three-stage dedup classifier, pure: exact repeat (hash), near duplicate (cosine and the same
// wording), or a conflict for the judge (middle band, same slot, or near in meaning but not in wording).
import type { CandidateMemory, Memory, Scope } from "../types";
import { parseAttribute as parseAttributeRaw, sameSlot } from "./attributes";
import { addedWords, lexicalSignature as lexicalSignatureRaw, lexicalSimilarity, sameWording, wordOverlap, wording } from "./lexical";

/**
 * The same neighbour texts come back for candidate after candidate; their signature and parsed
 * attribute are pure functions of the text, so they are computed once (bounded cache).
 */
const CACHE_LIMIT = 20_000;
const signatures = new Map<string, Set<string>>();
const attributes = new Map<string, ReturnType<typeof parseAttributeRaw>>();

function memo<T>(cache: Map<string, T>, text: string, compute: (t: string) => T): T {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  const value = compute(text);
  cache.set(text, value);
  return value;
}

const lexicalSignature = (text: string) => memo(signatures, text, lexicalSignatureRaw);
const parseAttribute = (text: string) => memo(attributes, text, parseAttributeRaw);

export interface DedupThresholds {
  /** Cosine at or above which a candidate merges into a neighbour of the same wording. */
  near: number;
  /** Lower bound of the similarity sent to the judge when no neighbour merges: [judgeLow, near), and near ones worded otherwise. */
  judgeLow: number;
  /** Share of content terms in common (Jaccard) at or above which a candidate merges, whatever the cosine. */
  lexicalNear: number;
}

export const DEFAULT_DEDUP_THRESHOLDS: Readonly<DedupThresholds> = Object.freeze({ near: 0.9, judgeLow: 0.6, lexicalNear: 0.8 });

export interface Neighbour {
  memory: Memory;
  /** Cosine similarity to the candidate's vector; computed from `vector` when absent. */
  similarity?: number;
  vector?: Float32Array;
}

export type DedupVerdict =
  | { stage: "repeat"; target: Memory }
  | { stage: "merge"; target: Memory; similarity: number }
  | { stage: "judge"; neighbours: { memory: Memory; similarity: number }[]; reason: "band" | "slot" }
  | { stage: "add" };

export interface ClassifyInput {
  candidate: CandidateMemory;
  /** SHA-256 of the candidate's normalized text (`contentHash`). */
  hash: string;
  vector?: Float32Array;
  /** Where the candidate will live: exact repeats count only within the same user (and agent when set). */
  scope: Pick<Scope, "user_id" | "agent_id">;
  neighbours: readonly Neighbour[];
  thresholds?: Partial<DedupThresholds>;
}

/** Cosine similarity; 0 when either vector is zero or lengths differ. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function inScope(m: Memory, scope: Pick<Scope, "user_id" | "agent_id">): boolean {
  return m.user_id === scope.user_id && (scope.agent_id === null || m.agent_id === scope.agent_id);
}

/**
 * Classifies one candidate. Only active, currently valid neighbours in scope count. A near
 * duplicate that fills the same slot with another value ("lives in Paris" / "lives in Berlin")
 * or flips a negation is a conflict for the judge, never a merge. A merge also needs the same
 * wording (`sameWording`): cosine and term overlap see a bag of words, blind to "plays the guitar"
 * / "plays the drums" or to swapped names, so a neighbour near in those but worded otherwise is
 * the judge's to decide.
 */
export function classifyCandidate(input: ClassifyInput): DedupVerdict {
  const t = { ...DEFAULT_DEDUP_THRESHOLDS, ...input.thresholds };
  if (!(t.judgeLow <= t.near)) throw new RangeError(`judgeLow (${t.judgeLow}) must not exceed near (${t.near})`);
  const signature = lexicalSignature(input.candidate.text);
  // Two signals: the embedding's cosine, and the overlap of content terms, which catches
  // repeats that fillers, vocatives or noise pushed away in embedding space. Either can merge.
  const live = input.neighbours
    .filter((n) => n.memory.state === "active" && n.memory.valid_to === null && inScope(n.memory, input.scope))
    .map((n) => {
      const cos = n.similarity ?? (input.vector && n.vector ? cosine(input.vector, n.vector) : 0);
      const lexical = lexicalSimilarity(signature, lexicalSignature(n.memory.text));
      // On the cosine scale: a lexical match at lexicalNear counts as much as a cosine at near.
      // Stemmed terms alone also match paraphrases ("opened a store" / "store is open"); those go to the judge.
      const lifted = lexical >= t.lexicalNear && wordOverlap(input.candidate.text, n.memory.text) >= 0.5 ? Math.max(t.near, lexical) : lexical;
      return { memory: n.memory, similarity: Math.max(cos, lifted) };
    })
    .sort((a, b) => b.similarity - a.similarity);

  const exact = live.find((n) => n.memory.hash === input.hash);
  if (exact) return { stage: "repeat", target: exact.memory };

  // The same wording cannot fill a slot with another value, so a merge is decided before conflicts.
  const words = wording(input.candidate.text);
  const near = live.find((n) => n.similarity >= t.near && sameWording(words, wording(n.memory.text)));
  if (near) return { stage: "merge", target: near.memory, similarity: near.similarity };

  const claim = parseAttribute(input.candidate.text);
  const conflicts = live.filter((n) => {
    const other = parseAttribute(n.memory.text);
    return sameSlot(claim, other) && (other!.value !== claim!.value || other!.negated !== claim!.negated);
  });
  if (conflicts.length > 0) return { stage: "judge", neighbours: conflicts, reason: "slot" };

  // Short texts get no lexical lift (too few terms), so one that contains the other goes to the judge too.
  const band = live.filter((n) => {
    if (n.similarity >= t.judgeLow) return true;
    const other = wording(n.memory.text);
    return addedWords(words, other) !== null || addedWords(other, words) !== null;
  });
  if (band.length > 0) return { stage: "judge", neighbours: band, reason: "band" };
  return { stage: "add" };
}
