// The embedded default judge: decides by rules, no model. Same slot with a changed value or a
// negation supersedes; identical or contained content is a no-op; added detail updates.
// Containment is of the wording in order, not of a bag of words: "X left Boston for Philadelphia"
// does not contain "X left Philadelphia for Boston".
import { isStopWord, normalizeForHash, terms } from "../text";
import type { CandidateMemory, Memory } from "../types";
import { parseAttribute, sameSlot } from "./attributes";
import type { Judge, JudgeDecision } from "./judge";
import { addedWords, sameWording, wording, wordingWithin } from "./lexical";

const RETRACT = /\b(forget (that|this|it)|that's (not true|wrong)|that is (not true|wrong)|is wrong|was wrong|not true|never (did|was|said)|delete (that|this))\b/i;
const NEGATION_WORDS: ReadonlySet<string> = new Set(["not", "no", "never", "nor"]);
const CHANGE_CUE = /\b(no longer|not anymore|anymore|moved to|now|these days|switched to|changed to|instead)\b/i;

/** The change cue a text says, lowercased, or undefined; a cue in an aside is about a name, not the fact: "Dongnae (now Busan)". */
const changeCue = (text: string): string | undefined => CHANGE_CUE.exec(text.replace(/\([^)]*\)/g, " "))?.[0].toLowerCase();

function termSet(text: string): Set<string> {
  return new Set(terms(text));
}

function containment(inner: Set<string>, outer: Set<string>): number {
  if (inner.size === 0) return 0;
  let hit = 0;
  for (const t of inner) if (outer.has(t)) hit++;
  return hit / inner.size;
}

function sharesSubject(candidate: CandidateMemory, n: Memory): boolean {
  const a = new Set(candidate.entities.map((e) => e.toLowerCase()));
  return n.entities.some((e) => a.has(e.toLowerCase()));
}

/** Options of the rule judge; defaults suit sentence-sized memories. */
export interface RuleJudgeOptions {
  /** Share of a text's terms found in the other above which it is contained (default 0.9). */
  containment?: number;
  /** Term overlap above which a change cue supersedes a neighbour of the same subject (default 0.5). */
  changeOverlap?: number;
}

/** Decides by rules; pure and deterministic. */
export function decideByRules(candidate: CandidateMemory, neighbours: readonly Memory[], opts: RuleJudgeOptions = {}): JudgeDecision {
  const contain = opts.containment ?? 0.9;
  const changeOverlap = opts.changeOverlap ?? 0.5;
  const live = neighbours.filter((n) => n.state === "active" && n.valid_to === null);
  const cNorm = normalizeForHash(candidate.text);
  const same = live.find((n) => normalizeForHash(n.text) === cNorm);
  if (same) return { action: "NOOP", target_id: same.id, reason: "identical content" };
  const cWords = wording(candidate.text);
  const reworded = live.find((n) => sameWording(cWords, wording(n.text)));
  if (reworded) return { action: "NOOP", target_id: reworded.id, reason: "same wording" };
  // Said already, word for word, inside a neighbour: whatever cue it carries, the neighbour has it too.
  const within = live.find((n) => wordingWithin(cWords, wording(n.text)));
  if (within) return { action: "NOOP", target_id: within.id, reason: "content already contained" };

  const claim = parseAttribute(candidate.text);
  const cTerms = termSet(candidate.text);

  if (RETRACT.test(candidate.text)) {
    const target = live.find((n) => sameSlot(claim, parseAttribute(n.text))) ?? live.find((n) => containment(termSet(n.text), cTerms) >= changeOverlap);
    if (target) return { action: "DELETE", target_id: target.id, reason: "candidate retracts the memory" };
  }

  for (const n of live) {
    const old = parseAttribute(n.text);
    if (!sameSlot(claim, old)) continue;
    const c = claim!;
    const o = old!;
    if (c.negated !== o.negated) {
      if (c.negated && (c.value === "" || c.value === o.value || o.value.startsWith(c.value))) {
        return { action: "SUPERSEDE", target_id: n.id, reason: `"${c.attribute}" no longer holds` };
      }
      if (!c.negated) return { action: "SUPERSEDE", target_id: n.id, reason: `"${c.attribute}" holds again` };
    }
    // The same value, said with other details around it ("... in 1947 for South Bend city judge"), is another fact.
    if (c.value === o.value) {
      if (wordingWithin(cWords, wording(n.text)) || wordingWithin(wording(n.text), cWords)) {
        return { action: "NOOP", target_id: n.id, reason: `same ${c.attribute}` };
      }
      continue;
    }
    if (c.value && o.value && (c.value.startsWith(o.value) || o.value.startsWith(c.value)) && !c.change) {
      return c.value.length > o.value.length
        ? { action: "UPDATE", target_id: n.id, text: candidate.text, reason: `more detail on ${c.attribute}` }
        : { action: "NOOP", target_id: n.id, reason: `same ${c.attribute}` };
    }
    // Someone is a mother and a painter at once: "is a" changes only when the candidate says so
    // (a cue, not any "new": "a place in New Zealand" is no change).
    if (c.attribute === "is a" && !changeCue(candidate.text)) continue;
    return { action: "SUPERSEDE", target_id: n.id, reason: `${c.attribute} changed from "${o.value}" to "${c.value}"` };
  }

  // A change cue ("now", "no longer", "moved to") over a neighbour about the same subject and topic;
  // not over one that says the same cue: "moved to" in both is two moves, not a change between them.
  const cue = changeCue(candidate.text);
  if (cue) {
    let best: { n: Memory; overlap: number } | null = null;
    for (const n of live) {
      if (!sharesSubject(candidate, n) || n.text.toLowerCase().includes(cue)) continue;
      const overlap = containment(termSet(n.text), cTerms);
      if (overlap >= changeOverlap && (!best || overlap > best.overlap)) best = { n, overlap };
    }
    if (best) return { action: "SUPERSEDE", target_id: best.n.id, reason: "change cue over the same subject" };
  }

  for (const n of live) {
    const nWords = wording(n.text);
    const more = addedWords(nWords, cWords);
    if (!more) continue;
    // Words the neighbour already has, said again ("Glad John enjoyed it, John!"), or function words
    // alone ("Got it! John definitely will"), add nothing; a negation is never nothing.
    if (!more.some((w) => NEGATION_WORDS.has(w)) && more.every((w) => nWords.includes(w) || isStopWord(w))) {
      return { action: "NOOP", target_id: n.id, reason: "content already contained" };
    }
    const nTerms = termSet(n.text);
    if (containment(nTerms, cTerms) >= contain && cTerms.size > nTerms.size) {
      return { action: "UPDATE", target_id: n.id, text: candidate.text, reason: "candidate adds detail" };
    }
  }
  return { action: "ADD", reason: "new information" };
}

/** The rule judge as a `Judge`. */
export class RuleJudge implements Judge {
  readonly id = "rules";
  constructor(private readonly opts: RuleJudgeOptions = {}) {}

  decide(candidate: CandidateMemory, neighbours: readonly Memory[]): Promise<JudgeDecision> {
    return Promise.resolve(decideByRules(candidate, neighbours, this.opts));
  }
}
