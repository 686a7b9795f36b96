import { describe, expect, it } from "vitest";
import { contentHash, normalize, normalizeForHash, sha256Hex, stem, terms, tokenize } from "../../src/memory/text";

describe("normalization and hashing", () => {
  it("applies NFKC, lowercases and collapses whitespace", () => {
    expect(normalize("  Ｆｕｌｌ\u00a0WIDTH\n\tText ")).toBe("full width text");
  });
  it("strips punctuation for hashing so trivially different texts hash alike", async () => {
    expect(normalizeForHash("I like   Tea!!")).toBe("i like tea");
    expect(await contentHash("I like tea.")).toBe(await contentHash("i LIKE tea"));
    expect(await contentHash("I like tea")).not.toBe(await contentHash("I like coffee"));
  });
  it("computes the standard SHA-256", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("tokenizer", () => {
  it("handles possessives and contractions", () => {
    expect(tokenize("Caroline's dog didn't run; I'm sure, can't")).toEqual([
      "caroline", "dog", "did", "not", "run", "i", "sure", "can", "not",
    ]);
  });
  it("keeps digits and non-ASCII letters", () => {
    expect(tokenize("Paris 2023 café—naïve")).toEqual(["paris", "2023", "café", "naïve"]);
  });
});

describe("Porter stemmer", () => {
  it.each([
    ["caresses", "caress"], ["ponies", "poni"], ["agreed", "agre"], ["plastered", "plaster"],
    ["motoring", "motor"], ["hopping", "hop"], ["filing", "file"], ["happy", "happi"],
    ["relational", "relat"], ["generalization", "gener"], ["hopeful", "hope"], ["goodness", "good"],
    ["adjustment", "adjust"], ["adoption", "adopt"], ["controll", "control"], ["running", "run"],
  ])("stem(%s) = %s", (word, expected) => {
    expect(stem(word)).toBe(expected);
  });
  it("maps inflections of one word to one stem", () => {
    const s = new Set(["paint", "painted", "painting", "paints"].map(stem));
    expect(s.size).toBe(1);
  });
});

describe("terms", () => {
  it("drops stop words and stems the rest", () => {
    expect(terms("She went to the support groups and painted a sunrise")).toEqual([
      "went", "support", "group", "paint", "sunris",
    ]);
  });
});
