// Sentence splitting for chat text: keeps abbreviations ("Dr.", "e.g."), decimals ("3.5"),
// initials and ellipses inside a sentence; splits on . ! ? and line breaks.

const ABBREVIATIONS: ReadonlySet<string> = new Set([
  "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "etc", "e.g", "i.e", "eg", "ie",
  "approx", "no", "inc", "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
  "sept", "oct", "nov", "dec", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "u.s", "u.k", "a.m", "p.m",
  "fig", "dept", "ave", "blvd", "min", "hr", "hrs", "est",
]);

/** The word that ends at `end` (exclusive), lowercased, dots inside kept ("e.g"). */
function wordBefore(text: string, end: number): string {
  let i = end;
  while (i > 0 && /[\p{L}\p{N}.]/u.test(text[i - 1]!)) i--;
  return text.slice(i, end).toLowerCase();
}

/**
 * Splits `text` into trimmed sentences. A period ends a sentence unless it follows a known
 * abbreviation or a single capital letter (an initial), sits between digits, or is followed by a
 * lowercase letter; runs of terminators ("?!", "...") stay with their sentence.
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  const n = text.length;
  const push = (end: number): void => {
    const s = text.slice(start, end).trim();
    if (s) out.push(s);
    start = end;
  };
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    if (c === "\n") {
      push(i + 1);
      continue;
    }
    if (c !== "." && c !== "!" && c !== "?") continue;
    // Take the whole run of terminators and closing quotes/brackets.
    let j = i + 1;
    while (j < n && /[.!?]/.test(text[j]!)) j++;
    while (j < n && /["')\]\u201d\u2019]/.test(text[j]!)) j++;
    const next = text[j];
    if (next !== undefined && !/\s/.test(next)) {
      i = j - 1;
      continue; // "3.5", "e.g.x", "Node.js"
    }
    if (c === "." && j === i + 1) {
      const word = wordBefore(text, i);
      if (ABBREVIATIONS.has(word) || /^[a-z]$/i.test(word) && /[A-Z]/.test(text[i - 1]!)) {
        i = j - 1;
        continue;
      }
    }
    // A lowercase continuation after "..." or "." is usually the same sentence.
    let k = j;
    while (k < n && /\s/.test(text[k]!) && text[k] !== "\n") k++;
    const after = text[k];
    if (after !== undefined && /[a-z]/.test(after) && (c === "." && j - i > 1)) {
      i = j - 1;
      continue;
    }
    push(j);
    i = j - 1;
  }
  push(n);
  return out;
}
