// Preferences as plain data: the polarity (like or dislike) and strength a preference memory's text states.

export type Polarity = "like" | "dislike";

export interface PreferenceReading {
  polarity: Polarity;
  /** 0..1: "can't stand", "love", "favourite" are strong; "prefer", "fond of" middling; "a bit", "kind of" weak. */
  strength: number;
  /** The cue the reading rests on (e.g. "prefers", "doesn't like"). */
  cue: string;
  /** What the preference is about: the words after the cue, lower-cased, time words and articles left out ("" when none). */
  object: string;
}

interface Cue {
  re: RegExp;
  polarity: Polarity;
  strength: number;
}

// Checked in order; the first match wins, so negated likes come before plain likes.
const CUES: readonly Cue[] = [
  { re: /\b(can(?:'|no)?t stand|detests?|loathes?|hates?|despises?|abhors?)\b/i, polarity: "dislike", strength: 0.9 },
  { re: /\b((?:do|does|did)(?:n't| not) (?:like|enjoy|love|care for)|(?:is|am|are)(?:n't| not) (?:a fan of|into|keen on|fond of)|no longer (?:likes?|enjoys?|loves?)|stopped (?:liking|enjoying)|never (?:liked|enjoyed))\b/i, polarity: "dislike", strength: 0.7 },
  { re: /\b(dislikes?|avoids?|rather not|would rather not|prefers? not)\b/i, polarity: "dislike", strength: 0.6 },
  { re: /\b(adores?|loves?|favou?rite|obsessed with|passionate about|big fan of|is a big fan)\b/i, polarity: "like", strength: 0.9 },
  { re: /\b(prefers?|enjoys?|likes?|fan of|fond of|keen on|into|would love)\b/i, polarity: "like", strength: 0.6 },
  { re: /\b(always|usually|every time|tends? to)\b/i, polarity: "like", strength: 0.4 },
];

const WEAK = /\b(a bit|a little|kind of|sort of|somewhat|sometimes|a little bit)\b/i;
const STRONG = /\b(really|absolutely|so much|a lot|very much|totally|truly)\b/i;

/**
 * The polarity and strength a preference text states; null when it states none (not every
 * memory typed `preference` by an extractor reads as one). Intensifiers move the strength.
 */
export function readPreference(text: string): PreferenceReading | null {
  for (const cue of CUES) {
    const m = cue.re.exec(text);
    if (!m) continue;
    let strength = cue.strength;
    if (STRONG.test(text)) strength = Math.min(1, strength + 0.1);
    if (WEAK.test(text)) strength = Math.max(0.1, strength - 0.3);
    return { polarity: cue.polarity, strength: Math.round(strength * 100) / 100, cue: (m[1] ?? m[0]).toLowerCase(), object: objectOf(text.slice(m.index + m[0].length)) };
  }
  return null;
}

const FILLER = new Set(["a", "an", "the", "to", "now", "anymore", "any", "more", "these", "days", "nowadays", "really", "very", "much", "so", "lot", "of", "at", "all", "too", "also", "still", "over"]);

function objectOf(rest: string): string {
  return rest
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s'-]/gu, " ")
    .split(/\s+/)
    .filter((w) => w && !FILLER.has(w))
    .join(" ");
}

export interface DatedPreference {
  text: string;
  /** When it was stated (created or last updated), ms. */
  at: number;
}

/**
 * Of preferences that are about the same thing (same object), only the latest statement stands:
 * "loves coffee" then "hates coffee now" keeps the second. Answers the indexes kept, in input order.
 * Preferences whose text reads as none, or names no object, are kept as they are.
 */
export function currentPreferences(prefs: readonly DatedPreference[]): number[] {
  const latest = new Map<string, number>();
  prefs.forEach((p, i) => {
    const object = readPreference(p.text)?.object;
    if (!object) return;
    const prior = latest.get(object);
    if (prior === undefined || (prefs[prior] as DatedPreference).at < p.at) latest.set(object, i);
  });
  return prefs.map((p, i) => ({ p, i })).filter(({ p, i }) => {
    const object = readPreference(p.text)?.object;
    return !object || latest.get(object) === i;
  }).map(({ i }) => i);
}
