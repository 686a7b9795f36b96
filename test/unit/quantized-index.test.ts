import { describe, expect, it } from "vitest";
import { QuantizedIndex, TopK, decode, dequantize, encode, quantize } from "../../src/memory/vectors/quantized-index";

/** Deterministic PRNG (mulberry32) and gaussian vectors, so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function randomUnit(r: () => number, d: number): Float32Array {
  const v = new Float32Array(d);
  let n = 0;
  for (let i = 0; i < d; i++) {
    const g = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
    v[i] = g;
    n += g * g;
  }
  n = Math.sqrt(n);
  for (let i = 0; i < d; i++) v[i] = v[i]! / n;
  return v;
}
const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe("quantization", () => {
  it("round-trips through the BLOB encoding with small error", () => {
    const v = randomUnit(rng(1), 384);
    const blob = encode(v);
    expect(blob.length).toBe(4 + 384);
    const back = dequantize(decode(blob));
    const maxErr = Math.max(...v.map((x, i) => Math.abs(x - back[i]!)));
    expect(maxErr).toBeLessThanOrEqual(quantize(v).scale / 2 + 1e-7);
    expect(dot(v, back)).toBeGreaterThan(0.999);
  });
  it("decodes from an offset view, as SQLite may hand it back", () => {
    const blob = encode([0.5, -1, 0.25]);
    const padded = new Uint8Array(blob.length + 3);
    padded.set(blob, 3);
    expect(Array.from(decode(padded.subarray(3)).codes)).toEqual([64, -127, 32]);
  });
});

describe("TopK heap", () => {
  it("keeps the k largest", () => {
    const h = new TopK(3);
    [5, 1, 9, 3, 7, 2].forEach((s, i) => h.push(s, i));
    expect(h.sorted().map((e) => e.score)).toEqual([9, 7, 5]);
  });
});

describe("QuantizedIndex", () => {
  const D = 128;

  it("agrees with exact cosine top-10 on random data", () => {
    const r = rng(42);
    const index = new QuantizedIndex(D, 16);
    const vecs: Float32Array[] = [];
    for (let i = 0; i < 3000; i++) {
      const v = randomUnit(r, D);
      vecs.push(v);
      index.add(`m${i}`, v);
    }
    let overlap = 0;
    const queries = 30;
    for (let qi = 0; qi < queries; qi++) {
      const q = randomUnit(r, D);
      const exact = vecs.map((v, i) => ({ i, s: dot(q, v) })).sort((a, b) => b.s - a.s).slice(0, 10).map((e) => `m${e.i}`);
      const hits = index.search(q, 10);
      expect(hits).toHaveLength(10);
      const got = new Set(hits.map((h) => h.id));
      overlap += exact.filter((id) => got.has(id)).length;
      expect(Math.abs(hits[0]!.score - dot(q, vecs[Number(hits[0]!.id.slice(1))]!))).toBeLessThan(0.01);
    }
    expect(overlap / (queries * 10)).toBeGreaterThanOrEqual(0.95);
  });

  it("replaces by id, removes, reuses slots and respects accept", () => {
    const index = new QuantizedIndex(3);
    index.add("a", [1, 0, 0]);
    index.add("b", [0, 1, 0]);
    index.add("a", [0, 0, 1]);
    expect(index.size).toBe(2);
    expect(index.search([0, 0, 1], 1)[0]?.id).toBe("a");
    expect(index.remove("a")).toBe(true);
    expect(index.remove("a")).toBe(false);
    expect(index.has("a")).toBe(false);
    expect(index.search([0, 0, 1], 5).map((h) => h.id)).toEqual(["b"]);
    index.add("c", [1, 1, 0]);
    expect(index.slotOf("c")).toBe(0);
    expect(index.search([0, 1, 0], 5, (id) => id !== "c").map((h) => h.id)).toEqual(["b"]);
  });

  it("compacts tombstones and keeps search correct", () => {
    const r = rng(7);
    const index = new QuantizedIndex(16);
    const keep: [string, Float32Array][] = [];
    for (let i = 0; i < 400; i++) {
      const v = randomUnit(r, 16);
      index.add(`m${i}`, v);
      if (i % 4 === 0) keep.push([`m${i}`, v]);
    }
    for (let i = 0; i < 400; i++) if (i % 4 !== 0) index.remove(`m${i}`);
    expect(index.size).toBe(100);
    const [id, v] = keep[37]!;
    expect(index.search(v, 1)[0]?.id).toBe(id);
    expect(index.get(id)!.length).toBe(16);
    expect(index.slotOf(id)).toBeLessThan(100);
  });

  it("rebuilds from stored BLOB rows identically", () => {
    const r = rng(3);
    const a = new QuantizedIndex(32);
    const rows: { id: string; blob: Uint8Array }[] = [];
    for (let i = 0; i < 200; i++) {
      const v = randomUnit(r, 32);
      a.add(`m${i}`, v);
      rows.push({ id: `m${i}`, blob: encode(v) });
    }
    const b = new QuantizedIndex(32);
    b.load(rows);
    const q = randomUnit(r, 32);
    expect(b.search(q, 10)).toEqual(a.search(q, 10));
  });

  it("rejects vectors of the wrong size", () => {
    expect(() => new QuantizedIndex(4).add("x", [1, 2])).toThrow(RangeError);
  });
});
