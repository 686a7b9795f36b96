// Removes spoken disfluencies ("um", "you know,", "I mean,", "basically") before extraction,
// so that they neither end up in memories nor get rewritten as facts ("I mean" → "Jon means").

const FILLER = "(?:you know|i mean|ya know|basically|honestly|literally|actually|um+|uh+)";

const PATTERNS: ReadonlyArray<RegExp> = [
  // Between commas the filler takes both with it: "since, I mean, I was" → "since I was".
  new RegExp(`,\\s*${FILLER}\\s*,\\s*`, "gi"),
  new RegExp(`,\\s*${FILLER}\\s*(?=[.!?]|$)`, "gi"),
  /\b(?:um+|uh+|erm|hmm+)\b[,.]?\s*/gi,
  // Parenthetical only: "you know," / "I mean," with their comma; "I mean it" stays.
  /\b(?:you know|i mean|ya know)\b,\s*/gi,
  /,\s*(?:you know|i mean|ya know)\b(?=\s*[,.!?]|$)/gi,
  // Without its comma it is still a filler unless a clause follows ("you know what", "I mean it").
  /\b(?:you know|i mean|ya know)\b(?!\s*(?:[.!?]|$))(?!\s*(?:what|that|how|where|why|who|when|if|whether|him|her|it|them|me|us|about|of|the|a|an|this|those|these|to|so|is|was|he|she|they|we|i|you|my|your|well|business)\b)\s*/gi,
  /\b(?:basically|honestly|literally|actually)\b,?\s*/gi,
  /\blike,\s+/gi,
  // A hedge, not a noun phrase: "kind of sad" loses it, "a kind of bread" keeps it.
  /(?<!\b(?:a|the|what|this|that|any|some|one|every|which|same)\s)\b(?:kind|sort) of\s+/gi,
];

export function stripDisfluencies(text: string): string {
  let out = text;
  for (const [i, p] of PATTERNS.entries()) out = out.replace(p, i === 0 ? " " : "");
  return out.replace(/\s{2,}/g, " ").replace(/\s+([,.!?])/g, "$1").replace(/^[,\s]+/, "").trim();
}
