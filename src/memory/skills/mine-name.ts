// The goal of a procedural fragment and the skill name made from it: kebab-case, verb then
// object ("return-item", "reset-router-password"), from the user's request.
import { isChitChat } from "../extraction/chitchat";
import { isStopWord, tokenize } from "../text";
import { splitSentences } from "../extraction/sentences";
import type { SkillMessage } from "./types";
import { SKILL_LIMITS } from "./validate";

/** Phrases that introduce what the user wants done; the verb follows them. */
const REQUEST_CUE =
  /^to\s+(?=[a-z]+\s+[^:]*:)|\b(?:i\s+(?:really\s+)?(?:need|want|have|wanna|wish|am\s+trying|'m\s+trying|was\s+hoping|was\s+wondering\s+(?:if|how)(?:\s+(?:i|you)\s+(?:can|could))?)\s+(?:to\s+)?|i(?:'d|\s+would)\s+like\s+(?:to\s+)?|(?:can|could|would)\s+you\s+(?:please\s+)?(?:help\s+me\s+(?:to\s+)?)?|help\s+me\s+(?:to\s+)?|how\s+(?:do|can|should|would)\s+(?:i|we|you)\s+|how\s+to\s+|please\s+|let'?s\s+|trying\s+to\s+|want\s+to\s+|need\s+to\s+)/i;
const DETERMINERS: ReadonlySet<string> = new Set("a an the my your our their his her its this that these those some any me us it".split(" "));
const STOP_OBJECT: ReadonlySet<string> = new Set(
  "with for to from in on at by of and or but so because if when that which who please can could now today again as about after before".split(" "),
);
const GREETING_WORDS: ReadonlySet<string> = new Set("hi hello hey thanks thank please sorry good morning afternoon evening".split(" "));
const PARTICLES: ReadonlySet<string> = new Set("up down in out off on over back away through".split(" "));
const NOT_VERBS: ReadonlySet<string> = new Set("be am is are was were been just really also still kindly quickly able".split(" "));

function words(s: string): string[] {
  return s.toLowerCase().replace(/[\u2019]/g, "'").match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? [];
}

/** Verb + up to two object words after the first request cue of `sentence`, or null. */
export function verbObject(sentence: string): string[] | null {
  const m = REQUEST_CUE.exec(sentence);
  if (!m) return null;
  const ws = words(sentence.slice(m.index + m[0].length).split(/[,.:;!?()]/)[0] ?? "");
  let k = 0;
  while (k < ws.length && NOT_VERBS.has(ws[k]!)) k++;
  const verb = ws[k];
  if (!verb || DETERMINERS.has(verb) || STOP_OBJECT.has(verb) || /^\d/.test(verb)) return null;
  const obj: string[] = [];
  let rest = ws.slice(k + 1);
  // A phrasal verb keeps its particle ("set up the project" → set-up-project).
  if (rest[0] && PARTICLES.has(rest[0])) {
    obj.push(rest[0]);
    rest = rest.slice(1);
  }
  const base = obj.length;
  const max = base + 2;
  for (const w of rest) {
    // Values (ids, numbers) vary between uses: they never go into a name.
    if (STOP_OBJECT.has(w) || /\d/.test(w)) break;
    if (DETERMINERS.has(w) || w.includes("'")) {
      if (obj.length > base) break;
      continue;
    }
    obj.push(w);
    if (obj.length === max) break;
  }
  return [verb, ...obj];
}

/** The user's request a fragment serves: the first user sentence that asks for something, else the first that is not small talk. */
export function goalSentence(messages: readonly SkillMessage[]): string | null {
  let first: string | null = null;
  for (const m of messages) {
    if (m.role !== "user") continue;
    for (const s of splitSentences(m.content)) {
      if (isChitChat(s)) continue;
      if (verbObject(s)) return s;
      first ??= s;
    }
  }
  return first;
}

/** Kebab-case of words, cut at a word boundary to the Agent Skills limit. */
export function kebab(ws: readonly string[]): string {
  let out = "";
  for (const w of ws.flatMap((x) => x.toLowerCase().split(/[^a-z0-9]+/)).filter(Boolean)) {
    const next = out ? `${out}-${w}` : w;
    if (next.length > SKILL_LIMITS.name_max) break;
    out = next;
  }
  return out;
}

/** A skill name from the goal ("I need to return an item" → "return-item"), else from the fallback words. */
export function skillName(goal: string | null, fallback: readonly string[]): string {
  const vo = goal ? verbObject(goal) : null;
  const name = vo ? kebab(vo) : "";
  if (name) return name;
  // A goal without a request verb ("my router keeps dropping"): its first content words.
  const content = goal ? tokenize(goal).filter((w) => !isStopWord(w) && !GREETING_WORDS.has(w) && /^[a-z]/.test(w)).slice(0, 3) : [];
  if (content.length >= 2) return kebab(content);
  const fb = kebab(fallback);
  return fb || "procedure";
}
