// Ties an agent's question to the call parameter its answer fills: the value the user gave in reply
// reappears among the arguments of a later call ("Where are you going?" → "Vegas." → a call with
// destination_city "Vegas"). A structural tie read from the conversation's own calls, not a list of
// slot names or their synonyms.
import { terms } from "../text";

/** "destination_city" / "destinationCity" → "destination city". */
export function humanizeKey(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/[_\-.:]+/g, " ").trim().toLowerCase();
}

/** Values that say nothing about what was answered: flags and "any". */
const UNINFORMATIVE = /^(?:true|false|yes|no|none|null|an[y]|dontcare|don't care)$/i;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const NUMBER_WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split(" ");
const MONTHS = "january february march april may june july august september october november december".split(" ");
const ORD = "(?:st|nd|rd|th)?";

/** The first match of `pattern` in `answer` as whole tokens ("1" is not in "1:30" or "11", "Jose" not in "Josephine"). */
function span(answer: string, pattern: string): string | null {
  const m = new RegExp(`(?<![\\p{L}\\p{N}]|\\p{N}[:.,/-])(?:${pattern})(?![\\p{L}\\p{N}]|[:.,/-]\\p{N})`, "iu").exec(answer);
  return m ? m[0] : null;
}

/** A calendar date the way people say it: "March 7th", "the 7th of March", "on the 7th" for 2019-03-07. */
function dateSpan(answer: string, iso: RegExpExecArray): string | null {
  const month = MONTHS[Number(iso[2]) - 1];
  const day = String(Number(iso[3]));
  if (!month) return null;
  const mon = `${month}|${month.slice(0, 3)}\\.?`;
  return span(answer, `(?:${mon})\\s+${day}${ORD}|${day}${ORD}\\s+of\\s+(?:${mon})|the\\s+${day}${ORD}(?:\\s+of\\s+(?:this\\s+month|${mon}))?`);
}

/** A clock time the way people say it: "6 pm", "six in the evening", "6:30 pm", "18:30" for 18:30. */
function timeSpan(answer: string, clock: RegExpExecArray): string | null {
  const h24 = Number(clock[1]);
  const min = clock[2]!;
  const h12 = h24 % 12 === 0 ? 12 : h24 % 12;
  const hour = `${h12}|${NUMBER_WORDS[h12] ?? h12}`;
  const half = h24 < 12 ? "am|a\\.m\\.|in\\s+the\\s+morning" : "pm|p\\.m\\.|in\\s+the\\s+(?:afternoon|evening)|at\\s+night|tonight";
  const minutes = min === "00" ? `(?::00)?` : `:${min}`;
  return span(answer, `${clock[1]}:${min}|(?:${hour})${minutes}\\s*(?:${half})|(?:afternoon|evening|morning)\\s+(?:${hour})${minutes}`);
}

/** Where the user's reply holds an argument value (case-insensitive whole words, "two" for 2, spoken dates and times), or null. */
export function valueSpan(answer: string, value: unknown): string | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const v = String(value).trim();
  if (!v || UNINFORMATIVE.test(v)) return null;
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (iso) return dateSpan(answer, iso);
  const clock = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(v);
  if (clock) return timeSpan(answer, clock);
  const word = /^\d{1,2}$/.test(v) ? NUMBER_WORDS[Number(v)] : undefined;
  return span(answer, word === undefined ? escape(v) : `${escape(v)}|${word}`);
}

/** Whether the user's reply holds an argument value (see valueSpan). */
export function answerHolds(answer: string, value: unknown): boolean {
  return valueSpan(answer, value) !== null;
}

/** Whether the reply is little more than the value ("Vegas.", "I am leaving from Seattle."): at most two other content words. */
function mostlyValue(answer: string, value: unknown): boolean {
  const held = valueSpan(answer, value);
  if (held === null) return false;
  return terms(answer.replace(held, " ")).filter((t) => !/^\d+$/.test(t)).length <= 2;
}

/** The share of a parameter's words a question uses: 1 for "Which city …?" and city, ½ for "… the event?" and event_name. */
function named(question: string, key: string): number {
  const q = new Set(terms(question));
  const k = terms(humanizeKey(key));
  return k.length ? k.filter((t) => q.has(t)).length / k.length : 0;
}

/** Whether a question already names the parameter ("Which city …?" for city). */
export function namesKey(question: string, key: string): boolean {
  return named(question, key) > 0;
}

/** A later call: its place in the conversation and its arguments. */
export interface LaterCall {
  index: number;
  args: Record<string, unknown>;
}

/**
 * The parameter each question of one agent turn asks for, or null where the tie is not clear. The
 * reply's values are looked up in the first later call holding any of them (keys in `taken`, as
 * "callIndex:key", were tied to an earlier question and are skipped). A question naming one of the
 * matched parameters takes it; a single question left with a single matched parameter takes that
 * when the reply is little more than the value.
 */
export function tieQuestions(questions: readonly string[], answer: string, later: readonly LaterCall[], taken: ReadonlySet<string>): Array<{ key: string; call: number } | null> {
  const ties: Array<{ key: string; call: number } | null> = questions.map(() => null);
  for (const c of later) {
    const keys = Object.keys(c.args).filter((k) => !taken.has(`${c.index}:${k}`) && answerHolds(answer, c.args[k]));
    if (!keys.length) continue;
    const free = new Set(keys);
    // A question takes the parameter it names best among all of the call's; naming one the reply did not fill, it takes none.
    const asked = questions.map((q) => {
      const score = Object.keys(c.args).map((k) => ({ k, n: named(q, k) })).filter((x) => x.n > 0);
      const best = Math.max(0, ...score.map((x) => x.n));
      return score.filter((x) => x.n === best).map((x) => x.k);
    });
    for (const [i, names] of asked.entries()) {
      if (names.length === 1 && free.has(names[0]!)) {
        ties[i] = { key: names[0]!, call: c.index };
        free.delete(names[0]!);
      }
    }
    // One question left, naming nothing, and one value given: the reply answers it, unless it says more than the value.
    const open = ties.flatMap((t, i) => (t === null && asked[i]!.length === 0 ? [i] : []));
    const last = [...free][0];
    if (open.length === 1 && free.size === 1 && last !== undefined && mostlyValue(answer, c.args[last])) ties[open[0]!] = { key: last, call: c.index };
    return ties;
  }
  return ties;
}
