// Heuristic importance (0..1) of a memory sentence: specific, personal and dated facts score higher.
import type { MemoryType } from "../types";

const TYPE_BASE: Readonly<Record<MemoryType, number>> = {
  fact: 0.45, preference: 0.5, event: 0.45, plan: 0.5, procedure: 0.55, relationship: 0.55, message: 0.3, note: 0.4,
};

const STRONG = /\b(always|never|allergic|diagnosed|birthday|anniversary|married|divorced|pregnant|born|died|passed away|graduated|promoted|fired|hired|moved|adopted|engaged|important|remember|favorite|favourite|name is|lives? in|works? (at|as)|job)\b/i;

export interface ImportanceInput {
  text: string;
  type: MemoryType;
  entities: readonly string[];
  hasTime: boolean;
}

/** Score in [0.05, 0.95], rounded to two decimals so equal inputs give equal scores. */
export function scoreImportance({ text, type, entities, hasTime }: ImportanceInput): number {
  let s = TYPE_BASE[type];
  if (STRONG.test(text)) s += 0.15;
  if (hasTime) s += 0.1;
  s += Math.min(entities.length, 3) * 0.04;
  if (/\d/.test(text)) s += 0.05;
  const words = text.split(/\s+/).length;
  if (words < 5) s -= 0.1;
  else if (words > 12) s += 0.05;
  if (/\?$/.test(text.trim())) s -= 0.15;
  return Math.round(Math.min(0.95, Math.max(0.05, s)) * 100) / 100;
}
