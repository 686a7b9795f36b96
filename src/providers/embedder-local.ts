// The embedded default embedder: signed feature hashing of stems, word bigrams and character
// n-grams. No network, no model download, deterministic; strong on lexical similarity only.
import { isStopWord, stem, tokenize } from "../memory/text";
import type { Embedder } from "./embedder";

export interface LocalEmbedderOptions {
  /** Vector length; 384 by default (int8 codes of 100,000 memories fit in 38 MB). */
  dimensions?: number;
}

/** 32-bit FNV-1a over UTF-16 code units, then murmur3's fmix32 so low bits are well mixed. */
export function hash32(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

// Feature weights. Whole stems carry the topic; bigrams reward shared phrases; character
// n-grams catch morphology the stemmer misses (paint/painter, Caroline/Carolyn) at lower weight.
const WORD_WEIGHT = 1;
const BIGRAM_WEIGHT = 0.5;
const CHAR_WEIGHT = 0.8;
const STOP_WEIGHT = 0.08;
const NUMBER_WEIGHT = 0.8;

/** idf-like prior with no corpus: very short tokens say little, stop words almost nothing. */
function tokenWeight(tok: string): number {
  if (isStopWord(tok)) return STOP_WEIGHT;
  if (/^\d+$/.test(tok)) return NUMBER_WEIGHT;
  if (tok.length <= 2) return 0.3;
  if (tok.length === 3) return 0.75;
  return WORD_WEIGHT;
}

/** Adds weighted features of one text into a sparse map (feature string → summed weight). */
function features(text: string): Map<string, number> {
  const feats = new Map<string, number>();
  const add = (key: string, w: number): void => {
    feats.set(key, (feats.get(key) ?? 0) + w);
  };
  const tokens = tokenize(text);
  let prev: string | null = null;
  for (const tok of tokens) {
    const w = tokenWeight(tok);
    const stop = w === STOP_WEIGHT;
    const s = stem(tok);
    add(`w:${s}`, w);
    if (stop) {
      prev = null;
      continue;
    }
    if (prev !== null) add(`b:${prev} ${s}`, BIGRAM_WEIGHT * w);
    prev = s;
    if (tok.length >= 3) {
      const marked = `<${tok}>`;
      const grams: string[] = [];
      for (let n = 3; n <= 5; n++) {
        for (let i = 0; i + n <= marked.length; i++) grams.push(marked.slice(i, i + n));
      }
      // The char grams of one word together weigh CHAR_WEIGHT * w in L2 terms.
      const gw = (CHAR_WEIGHT * w) / Math.sqrt(grams.length);
      for (const g of grams) add(`c:${g}`, gw);
    }
  }
  return feats;
}

/**
 * Feature-hashing embedder. Each feature's summed weight is damped sublinearly (1 + ln tf scale)
 * and added with a hash-derived sign into one of `dimensions` buckets, then the vector is
 * L2-normalized. Texts with no tokens get a fixed sentinel feature, so every vector has norm 1.
 */
export class LocalEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;

  constructor(options: LocalEmbedderOptions = {}) {
    const dims = options.dimensions ?? 384;
    if (!Number.isInteger(dims) || dims < 16 || dims > 4096) {
      throw new RangeError(`LocalEmbedder dimensions must be an integer in 16..4096, got ${dims}`);
    }
    this.dimensions = dims;
    this.id = dims === 384 ? "local-hash-v1" : `local-hash-v1-${dims}`;
  }

  embedOne(text: string): Float32Array {
    const v = new Float32Array(this.dimensions);
    const feats = features(text);
    if (feats.size === 0) feats.set("empty:", 1);
    for (const [key, w] of feats) {
      const h = hash32(key);
      const idx = h % this.dimensions;
      const sign = hash32(key, 0x9747b28c) & 1 ? 1 : -1;
      // Sublinear tf: a feature seen k times with unit weight counts 1 + ln k.
      const damped = w > 1 ? 1 + Math.log(w) : w;
      v[idx] = (v[idx] ?? 0) + sign * damped;
    }
    let norm = 0;
    for (let i = 0; i < v.length; i++) norm += (v[i] ?? 0) * (v[i] ?? 0);
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / norm;
    return v;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return Promise.resolve(texts.map((t) => this.embedOne(t)));
  }
}
