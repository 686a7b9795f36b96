import { describe, expect, it } from "vitest";
import { LocalEmbedder } from "../../src/providers/embedder-local";

const cos = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

describe("LocalEmbedder", () => {
  const e = new LocalEmbedder();

  it("returns unit vectors of the declared size, deterministically", async () => {
    const [a, b, empty] = await e.embed(["Caroline went hiking", "Caroline went hiking", ""]);
    expect(e.id).toBe("local-hash-v1");
    expect(a!.length).toBe(384);
    expect(Math.abs(cos(a!, a!) - 1)).toBeLessThan(1e-5);
    expect(Math.abs(cos(empty!, empty!) - 1)).toBeLessThan(1e-5);
    expect(Array.from(a!)).toEqual(Array.from(b!));
  });

  it("ranks a morphological paraphrase above unrelated sentences", async () => {
    const query = "When did Melanie paint a sunrise?";
    const docs = [
      "Melanie painted the sunrise over the lake last year.",
      "Caroline went to an LGBTQ support group yesterday.",
      "The quarterly report shows revenue growth in Europe.",
      "I love pottery classes with my kids.",
    ];
    const [q, ...vs] = await e.embed([query, ...docs]);
    const scores = vs.map((v) => cos(q!, v));
    expect(scores[0]).toBeGreaterThan(0.3);
    for (const s of scores.slice(1)) expect(scores[0]!).toBeGreaterThan(s + 0.2);
  });

  it("scores unrelated texts near zero", async () => {
    const [a, b] = await e.embed([
      "The quarterly report shows revenue growth in Europe.",
      "My grandmother bakes cookies every Sunday afternoon.",
    ]);
    expect(Math.abs(cos(a!, b!))).toBeLessThan(0.15);
  });

  it("gives weight to character n-grams beyond stems", async () => {
    const [a, b, c] = await e.embed(["photographer", "photography", "accountant"]);
    expect(cos(a!, b!)).toBeGreaterThan(cos(a!, c!) + 0.2);
  });

  it("lets content words dominate stop words", async () => {
    const [a, b, c] = await e.embed(["what is the name of her dog", "her dog is called Max", "what is the time of the day"]);
    expect(cos(a!, b!)).toBeGreaterThan(cos(a!, c!));
  });

  it("rejects unreasonable dimensions", () => {
    expect(() => new LocalEmbedder({ dimensions: 3 })).toThrow(RangeError);
  });
});
