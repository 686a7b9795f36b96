// Finds entities in a sentence: known speakers, capitalized names, quoted titles and places.

const NOT_NAMES: ReadonlySet<string> = new Set(
  ("I I'm I've I'd I'll The A An And But So Or If When Then This That These Those It It's Its My Your Our " +
    "Their His Her He She They We You Me Us Them What Why How Where Who Which Yes No Oh Wow Hey Hi Hello " +
    "Thanks Thank Yeah Yep Ok Okay Sure Well Just Also Really Maybe Do Does Did Is Are Was Were Be Have Has " +
    "Had Can Could Will Would Should Let Lets Let's Not There Here Now Today Tomorrow Yesterday Last Next " +
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Haha Lol Omg Aww Anyway Btw By Although Though " +
    "As At In On For With From To Of After Before Since Until While Because Some Any All Every Each Both " +
    "Love Great Good Nice Cool Awesome Amazing Sounds Looks Glad Happy Congrats Congratulations Same Plus " +
    "Absolutely Definitely Totally Of Gonna Wanna Sorry Please Speaking Talking Take Keep Like Ah Hmm Um " +
    "Right True Exactly Indeed Actually Honestly Seriously Whoa Woah Hope Being Even Still Especially " +
    "January February March April June July August September October November December").split(" "),
);

const PLACE_PREP = /\b(?:in|to|from|at|near|visit(?:ed|ing)?|moved to|trip to)\s+((?:[A-Z][\p{L}'-]+)(?:\s+[A-Z][\p{L}'-]+){0,2})/gu;
const QUOTED = /["\u201c]([^"\u201d]{2,80})["\u201d]/g;
const CAP_RUN = /\b([A-Z][\p{L}'-]*(?:\s+(?:of\s+|the\s+|de\s+)?[A-Z][\p{L}'-]*)*)/gu;

function clean(name: string): string {
  return name.replace(/'s$/, "").replace(/[-']+$/, "").trim();
}

/**
 * Entities named in `text`, in order of first appearance, deduplicated case-insensitively.
 * `known` (speaker names) are matched whole-word anywhere, even lowercase. A capitalized word at
 * the start of a sentence counts only when it is known or not a common opener.
 */
export function extractEntities(text: string, known: readonly string[] = []): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const add = (e: string): void => {
    const c = clean(e);
    const key = c.toLowerCase();
    if (c.length < 2 || seen.has(key)) return;
    seen.add(key);
    found.push(c);
  };
  for (const k of known) {
    if (k && new RegExp(`\\b${k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\b`, "i").test(text)) add(k);
  }
  for (const m of text.matchAll(QUOTED)) add(m[1]!);
  for (const m of text.matchAll(PLACE_PREP)) {
    const words = m[1]!.split(/\s+/).filter((w) => !NOT_NAMES.has(w));
    if (words.length) add(words.join(" "));
  }
  for (const m of text.matchAll(CAP_RUN)) {
    const words = m[1]!.split(/\s+/);
    // Drop leading openers ("Yesterday Caroline" → "Caroline").
    while (words.length && NOT_NAMES.has(words[0]!.replace(/[.,!?]$/, ""))) words.shift();
    while (words.length && /^(of|the|de)$/i.test(words[words.length - 1]!)) words.pop();
    if (!words.length) continue;
    const phrase = words.join(" ");
    if (/^[A-Z]+$/.test(phrase) && phrase.length > 6) continue; // shouting, not an acronym
    add(phrase);
  }
  return found;
}
