// Fits extracted candidates to the cube's limits: long texts split, entity and tag lists trimmed.
import { LIMITS } from "./cube-contract";
import type { CandidateMemory } from "./types";

/** A candidate that could not be kept, with why; reported in the job's result. */
export interface SkippedCandidate {
  text: string;
  reason: string;
}

const SENTENCE_END = /(?<=[.!?…])\s+/u;

/** Splits at sentence ends, then at spaces, then anywhere, into pieces of at most `max` characters. */
export function splitText(text: string, max: number = LIMITS.textChars): string[] {
  if (text.length <= max) return [text];
  const pieces: string[] = [];
  let current = "";
  const push = (part: string) => {
    if (current.length + part.length + 1 <= max) {
      current = current ? `${current} ${part}` : part;
      return;
    }
    if (current) pieces.push(current);
    current = "";
    if (part.length <= max) {
      current = part;
      return;
    }
    // One sentence longer than the limit: cut at the last space before it, else hard.
    let rest = part;
    while (rest.length > max) {
      const space = rest.lastIndexOf(" ", max);
      const cut = space > max / 2 ? space : max;
      pieces.push(rest.slice(0, cut).trimEnd());
      rest = rest.slice(cut).trimStart();
    }
    current = rest;
  };
  for (const sentence of text.split(SENTENCE_END)) if (sentence.trim()) push(sentence.trim());
  if (current) pieces.push(current);
  // A cut never splits a surrogate pair into two ill-formed halves.
  return pieces.map((p) => p.replace(/[\uD800-\uDBFF]$/u, "").replace(/^[\uDC00-\uDFFF]/u, "")).filter((p) => p.trim().length > 0);
}

/** Distinct non-empty names within the per-item limits, in order of first mention. */
function fitNames(names: readonly string[], maxCount: number, maxChars: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of names) {
    const name = raw.trim();
    if (!name || name.length > maxChars || seen.has(name)) continue;
    seen.add(name);
    out.push(name);
    if (out.length === maxCount) break;
  }
  return out;
}

/**
 * Candidates the cube will accept: a text over the limit becomes several candidates (same
 * sources, entities and time), entities and tags beyond the limits are dropped, and a blank
 * candidate is skipped with a reason. Never throws: one odd message cannot fail its batch.
 */
export function fitCandidates(candidates: readonly CandidateMemory[]): { candidates: CandidateMemory[]; skipped: SkippedCandidate[] } {
  const out: CandidateMemory[] = [];
  const skipped: SkippedCandidate[] = [];
  for (const c of candidates) {
    if (c.text.trim().length === 0) {
      skipped.push({ text: "", reason: "blank text" });
      continue;
    }
    const entities = fitNames(c.entities, LIMITS.entities, LIMITS.entityChars);
    const tags = c.tags ? fitNames(c.tags, LIMITS.tags, LIMITS.tagChars) : undefined;
    for (const text of splitText(c.text)) out.push({ ...c, text, entities, ...(tags ? { tags } : {}) });
  }
  return { candidates: out, skipped };
}
