// Rewrites first-person (and, between two speakers, second-person) pronouns to names, with
// verb agreement good enough for memory text: "I'm going" → "Caroline is going".

const PAST_IRREGULAR: ReadonlySet<string> = new Set(
  ("went was were had did got made took saw came found felt thought knew told said gave bought brought began " +
    "ran wrote met left kept lost won spent sent built heard held taught caught sold paid became chose drove ate " +
    "drank fell flew forgot grew hung lit rode rose sang sat slept spoke stood swam threw understood woke wore " +
    "meant dealt led fed fought sought struck stuck swung tore bore broke froze hid shook stole bit bent lent " +
    "dug shot slid spun wove dreamt learnt burnt spelt overcame undertook mistook withdrew")
    .split(" "),
);
const MODALS: ReadonlySet<string> = new Set(["can", "could", "will", "would", "should", "might", "must", "may", "shall", "cannot", "used", "wanna", "gonna", "gotta", "can't", "couldn't", "won't", "wouldn't", "shouldn't", "mightn't", "mustn't"]);
const ADVERBS: ReadonlySet<string> = new Set(
  ("really also just always never still finally recently actually usually often sometimes totally definitely " +
    "absolutely even only truly already especially mostly honestly kinda sorta now both all currently " +
    "seriously certainly probably sometimes genuinely personally literally obviously recently rarely hardly " +
    "barely mainly simply clearly").split(" "),
);

/** Third person singular present of a base verb: go → goes, try → tries, love → loves. */
export function thirdPerson(verb: string): string {
  const v = verb.toLowerCase();
  if (v === "have") return "has";
  if (v === "be") return "is";
  if (v === "do") return "does";
  if (v === "go") return "goes";
  if (/(s|sh|ch|x|z|o)$/.test(v)) return `${verb}es`;
  if (/[^aeiou]y$/.test(v)) return `${verb.slice(0, -1)}ies`;
  return `${verb}s`;
}

function looksPresent(word: string): boolean {
  const w = word.toLowerCase();
  if (w.length < 2 || !/^[a-z]+$/.test(w)) return false;
  if (PAST_IRREGULAR.has(w) || MODALS.has(w)) return false;
  if (/ed$/.test(w) && w !== "need" && w !== "feed" && w !== "bleed" && w !== "speed" && w !== "breed" && w !== "succeed" && w !== "proceed" && w !== "exceed") return false;
  if (/(ly|ing)$/.test(w)) return false;
  return true;
}

// Subject pronoun + auxiliary contractions and forms, to the third person singular.
const SUBJECT_AUX: Readonly<Record<string, string>> = {
  "'m": "is", "'re": "is", "'ve": "has", "'ll": "will", "'d": "would", "'s": "is",
  am: "is", are: "is", was: "was", were: "was", have: "has", do: "does", "don't": "doesn't",
  "haven't": "hasn't", "aren't": "isn't", "weren't": "wasn't", "ain't": "isn't",
};
// Inverted questions: "are you", "do I".
const INVERTED: Readonly<Record<string, string>> = {
  am: "is", are: "is", were: "was", have: "has", do: "does", "don't": "doesn't", "haven't": "hasn't", "aren't": "isn't", "weren't": "wasn't",
};

interface Token {
  word: boolean;
  text: string;
}

const TOKEN_RE = /[A-Za-z]+(?:'[A-Za-z]+)?|[^A-Za-z]+/g;

function tokens(s: string): Token[] {
  const out: Token[] = [];
  for (const m of s.replace(/[\u2018\u2019]/g, "'").matchAll(TOKEN_RE)) out.push({ word: /^[A-Za-z]/.test(m[0]), text: m[0] });
  return out;
}

function matchCase(replacement: string, original: string): string {
  return /^[A-Z]/.test(original) && /^[a-z]/.test(replacement) ? replacement[0]!.toUpperCase() + replacement.slice(1) : replacement;
}

export interface PronounNames {
  /** The speaker, who "I" refers to. */
  speaker: string;
  /** The other speaker, who "you" refers to; leave unset with more than two speakers. */
  listener?: string | null;
}

type Person = "first" | "second";

const SUBJECTS: Readonly<Record<string, Person>> = { i: "first", we: "first", you: "second" };
const OBJECTS: Readonly<Record<string, Person>> = { me: "first", us: "first", you: "second" };
const POSSESSIVE: Readonly<Record<string, Person>> = { my: "first", our: "first", your: "second", mine: "first", ours: "first", yours: "second", ur: "second" };
const REFLEXIVE: Readonly<Record<string, Person>> = { myself: "first", ourselves: "first", yourself: "second", yourselves: "second" };

/**
 * Returns `sentence` with pronouns replaced by names. Second person is only resolved when a
 * listener is given. Not a parser: it covers the common chat patterns and leaves the rest alone.
 */
export function resolvePronouns(sentence: string, names: PronounNames): string {
  const toks = tokens(sentence);
  const nameOf = (p: Person): string | null => (p === "first" ? names.speaker : (names.listener ?? null));
  // Index of the next/previous word token.
  const nextWord = (i: number): number => {
    for (let j = i + 1; j < toks.length; j++) {
      if (toks[j]!.word) return j;
      if (/[.,;:!?()]/.test(toks[j]!.text)) return -1; // punctuation breaks the clause
    }
    return -1;
  };
  const prevWord = (i: number): number => {
    for (let j = i - 1; j >= 0; j--) {
      if (toks[j]!.word) return j;
      if (/[.,;:!?()]/.test(toks[j]!.text)) return -1;
    }
    return -1;
  };

  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (!t.word) continue;
    const raw = t.text;
    const lower = raw.toLowerCase();
    const q = lower.indexOf("'");
    const head = q < 0 ? lower : lower.slice(0, q);
    const suffix = q < 0 ? "" : lower.slice(q);

    // "I" must be written as a capital or a lone lowercase "i".
    const subjectPerson = head === "i" ? (raw[0] === "I" || raw === "i" || raw.startsWith("i'") ? "first" : undefined) : SUBJECTS[head];
    if (subjectPerson && (head !== "you" || suffix || isSubjectPosition(toks, i, prevWord))) {
      const name = nameOf(subjectPerson);
      if (!name) continue;
      if (suffix) {
        const aux = SUBJECT_AUX[suffix];
        t.text = aux ? `${name} ${aux}` : name;
        continue;
      }
      t.text = name;
      // Inverted question: "are you" → "is Caroline".
      const p = prevWord(i);
      if (p >= 0 && INVERTED[toks[p]!.text.toLowerCase()] && (head !== "i" || toks[p]!.text.toLowerCase() !== "are")) {
        toks[p]!.text = matchCase(INVERTED[toks[p]!.text.toLowerCase()]!, toks[p]!.text);
        continue;
      }
      // Verb agreement: skip adverbs, then conjugate the verb.
      let j = nextWord(i);
      while (j >= 0 && ADVERBS.has(toks[j]!.text.toLowerCase())) j = nextWord(j);
      if (j < 0) continue;
      const v = toks[j]!.text;
      const vl = v.toLowerCase();
      if (SUBJECT_AUX[vl]) toks[j]!.text = SUBJECT_AUX[vl]!;
      else if (vl === "not") continue;
      else if (!vl.includes("'") && looksPresent(vl) && !OBJECTS[vl] && !POSSESSIVE[vl]) toks[j]!.text = thirdPerson(v);
      continue;
    }
    const obj = OBJECTS[lower];
    if (obj && !(lower === "us" && raw === "US")) {
      const name = nameOf(obj);
      if (name) t.text = name;
      continue;
    }
    const poss = POSSESSIVE[lower];
    if (poss) {
      const name = nameOf(poss);
      if (name) t.text = `${name}'s`;
      continue;
    }
    const refl = REFLEXIVE[lower];
    if (refl) {
      const name = nameOf(refl);
      if (name) t.text = refl === "first" && lower === "myself" ? "themself" : lower === "yourself" ? "themself" : "themselves";
    }
  }
  let out = toks.map((t) => t.text).join("");
  // "Caroline's" at sentence start keeps its capital; fix a lowercase first letter after rewriting.
  out = out.replace(/^([a-z])/, (c) => c.toUpperCase());
  return out;
}

/** "you" is a subject at the start of a clause or after a conjunction/aux; otherwise an object. */
function isSubjectPosition(toks: Token[], i: number, prevWord: (i: number) => number): boolean {
  const p = prevWord(i);
  if (p < 0) return true;
  const w = toks[p]!.text.toLowerCase();
  return /^(and|but|so|if|when|because|that|since|while|as|what|how|where|why|who|do|did|does|are|were|have|had|can|could|will|would|should|think|hope|bet|guess|know|glad|sure|then|maybe|till|until|before|after|though|although|or|once|whether|unless|wish|remember|sounds|like|seems)$/.test(w);
}
