// Listing text: the title and the text a listing is embedded and matched by, vectors as base64, and lexical scores.
import type { ListingContent } from "./types";

const TITLE_CHARS = 120;

export function listingTitle(content: ListingContent): string {
  if (content.kind === "skill") return content.skill.name;
  const text = content.memory.text.replace(/\s+/g, " ").trim();
  return text.length > TITLE_CHARS ? `${text.slice(0, TITLE_CHARS - 1)}…` : text;
}

/** What a listing is embedded and matched by: a memory's text; a skill's name, description, use and steps. */
export function listingText(content: ListingContent, note: string | null): string {
  const parts =
    content.kind === "memory"
      ? [content.memory.text, content.memory.tags.join(" ")]
      : [content.skill.name.replace(/-/g, " "), content.skill.description, content.skill.when_to_use, ...content.skill.steps.map((s) => s.text)];
  if (note) parts.push(note);
  return parts.filter((p) => p.length > 0).join("\n");
}

export function encodeVector(v: Float32Array): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function decodeVector(b64: string): Float32Array {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return new Float32Array(bytes.buffer);
}

/** Dot product of two L2-normalized vectors (cosine); 0 when their lengths differ. */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}

/** Lowercased word tokens of two letters or more. */
export function tokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]{2,}/gu) ?? [];
}

/**
 * A BM25 score of each document for the query (k1 1.2, b 0.75), over these documents only;
 * 0 for a document sharing no term with the query.
 */
export function bm25(query: string, docs: readonly string[]): number[] {
  const q = [...new Set(tokens(query))];
  const toks = docs.map(tokens);
  const avg = toks.reduce((n, t) => n + t.length, 0) / Math.max(1, toks.length);
  const df = new Map<string, number>();
  for (const t of toks) for (const term of new Set(t)) df.set(term, (df.get(term) ?? 0) + 1);
  return toks.map((t) => {
    const tf = new Map<string, number>();
    for (const term of t) tf.set(term, (tf.get(term) ?? 0) + 1);
    let score = 0;
    for (const term of q) {
      const f = tf.get(term) ?? 0;
      if (f === 0) continue;
      const n = df.get(term) ?? 0;
      const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
      score += (idf * f * 2.2) / (f + 1.2 * (1 - 0.75 + (0.75 * t.length) / Math.max(1, avg)));
    }
    return score;
  });
}

/**
 * Reciprocal rank fusion (k 60) of a vector ranking and a lexical ranking: ids in fused order
 * with their score. An id only one route found still ranks.
 */
export function fuseRanks(vector: readonly string[], lexical: readonly string[], k = 60): Array<{ id: string; score: number }> {
  const scores = new Map<string, number>();
  for (const list of [vector, lexical]) list.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1)));
  return [...scores.entries()].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}
