// Reads "subject + attribute = value" out of a third-person memory sentence, so dedup can tell
// "Caroline lives in Paris" and "Caroline lives in Berlin" apart as the same slot, changed.
import { normalizeForHash } from "../text";

export interface AttributeClaim {
  /** Lowercased subject ("caroline", "caroline's sister"). */
  subject: string;
  /** Canonical attribute ("lives in", "works at", "favorite color", "is a"). */
  attribute: string;
  /** Lowercased value, without trailing time phrases; "" when the sentence only negates. */
  value: string;
  /** The sentence says the attribute no longer (or does not) hold. */
  negated: boolean;
  /** The sentence signals a change ("now", "moved to", "no longer", "anymore", "switched"). */
  change: boolean;
}

// verb phrase → canonical attribute. Order matters: longer phrases first.
const VERBS: readonly [RegExp, string][] = [
  [/^(?:has |had )?(?:now )?(?:moved|relocated) to /, "lives in"],
  [/^(?:now |still |currently )?(?:lives?|lived|living|is living|resides?|is based|stays?) (?:in|at) /, "lives in"],
  [/^(?:now |still |currently )?(?:works?|worked|is working) (?:at|for) /, "works at"],
  [/^(?:now |still |currently )?(?:works?|worked|is working) as (?:an? )?/, "works as"],
  [/^(?:now |still |currently )?(?:is|was) (?:married|engaged) to /, "married to"],
  [/^(?:now |still |currently )?(?:is dating|dates) /, "dating"],
  [/^(?:now |still |currently )?(?:drives?|drove) (?:an? )?/, "drives"],
  [/^(?:now |still |currently )?(?:studies|studied|is studying|majors? in) /, "studies"],
  [/^(?:now |still |currently )?(?:prefers?|preferred) /, "prefers"],
  [/^(?:now |still |currently )?(?:is|was) (?:an? )(?!lot\b|bit\b|little\b|great\b|big\b)/, "is a"],
  [/^(?:now |still |currently )?(?:is|was) (\d+)(?: years old)?/, "age"],
];
const NEGATION = /\b(no longer|not anymore|anymore|doesn't|does not|isn't|is not|stopped|quit|used to|never)\b/;
const CHANGE = /\b(now|no longer|anymore|moved to|moved|relocated|switched|changed|new|these days|since then|instead)\b/;
const TRAILING = /\s*\b(now|anymore|since|because|as of|until|from|for|last|next|this|yesterday|today|tomorrow|on|in \d{4}|with|and|but|after|before|when|which|who)\b.*$/;

function cleanValue(v: string): string {
  return v.replace(TRAILING, "").replace(/^(the|a|an)\s+/, "").replace(/\s*\(.*$/, "").trim();
}

/**
 * The attribute claim of `text`, or null when it states none we know. Works on normalized text
 * ("caroline's favorite color is now blue"), so callers may pass raw memory text.
 */
export function parseAttribute(text: string): AttributeClaim | null {
  const norm = normalizeForHash(text.replace(/'s\b/g, " s")).replace(/ s\b/g, "'s");
  const negated = NEGATION.test(norm);
  const change = CHANGE.test(norm);
  // "<subject>'s <attribute> is <value>": favorite color, job, name, address ...
  const poss = /^([a-z][a-z ]{0,40}?)'s ((?:new |current |old |)[a-z]+(?: [a-z]+)?) (?:is|was|has been) (?:now |still |no longer |not )?(.+)$/.exec(norm);
  if (poss) {
    return { subject: poss[1]!.trim(), attribute: poss[2]!.replace(/^(new|current|old) /, ""), value: cleanValue(poss[3]!), negated, change };
  }
  const m = /^([a-z][a-z]*(?: [a-z]+'s [a-z]+)?) (.*)$/.exec(norm);
  if (!m) return null;
  const subject = m[1]!;
  let rest = m[2]!.replace(/^(no longer|doesn't|does not|isn't|is not|never) /, "").replace(/^(now|still|currently|also) /, "");
  rest = rest.replace(/\b(anymore|any more)\b/, "").trim();
  for (const [re, attribute] of VERBS) {
    const v = re.exec(rest);
    if (!v) continue;
    if (attribute === "age") return { subject, attribute, value: v[1]!, negated, change };
    const value = cleanValue(rest.slice(v[0].length));
    return { subject, attribute, value, negated, change };
  }
  return null;
}

/** Same subject and attribute (the slot), whatever the values. */
export function sameSlot(a: AttributeClaim | null, b: AttributeClaim | null): boolean {
  return a !== null && b !== null && a.subject === b.subject && a.attribute === b.attribute;
}
