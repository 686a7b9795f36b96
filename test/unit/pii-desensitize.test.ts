// desensitize: mask with stable placeholders through the mapping, redact, off, and reveal.
import { describe, expect, it } from "vitest";
import { desensitize, EMPTY_MAPPING, flattenFields, reveal } from "../../src/governance/pii";

const TEXT = "Mail ann@example.com or call +1 (415) 555-0132, or ANN@EXAMPLE.COM and 4155550132.";

describe("desensitize", () => {
  it("mask: the same value in two spellings gets one placeholder, new values are returned for the vault", () => {
    const r = desensitize(TEXT, "mask");
    expect(r.text).toBe("Mail [EMAIL_1] or call [PHONE_1], or [EMAIL_1] and [PHONE_1].");
    expect(r.added).toEqual([
      { placeholder: "[EMAIL_1]", type: "EMAIL", key: "EMAIL:ann@example.com", value: "ann@example.com" },
      { placeholder: "[PHONE_1]", type: "PHONE", key: "PHONE:+14155550132", value: "+1 (415) 555-0132" },
    ]);
    expect(r.spans).toHaveLength(4);
  });

  it("mask: numbers carry over through the mapping and the input mapping is not changed", () => {
    const first = desensitize("ann@example.com", "mask");
    const before = JSON.stringify(first.mapping);
    const second = desensitize("bob@example.com then ann@example.com", "mask", first.mapping);
    expect(second.text).toBe("[EMAIL_2] then [EMAIL_1]");
    expect(second.added.map((e) => e.placeholder)).toEqual(["[EMAIL_2]"]);
    expect(JSON.stringify(first.mapping)).toBe(before);
    const third = desensitize("ann@example.com", "mask", second.mapping);
    expect(third.added).toEqual([]);
    expect(third.mapping).toBe(second.mapping);
  });

  it("mask: numbering is per type", () => {
    const r = desensitize("ann@example.com, 123-45-6789, bob@example.com, 234-56-7890", "mask");
    expect(r.text).toBe("[EMAIL_1], [SSN_1], [EMAIL_2], [SSN_2]");
    expect(r.mapping.next).toEqual({ EMAIL: 3, SSN: 3 });
  });

  it("redact: typed markers, nothing recorded", () => {
    const r = desensitize(TEXT, "redact", EMPTY_MAPPING);
    expect(r.text).toBe("Mail [EMAIL] or call [PHONE], or [EMAIL] and [PHONE].");
    expect(r.added).toEqual([]);
    expect(r.mapping).toBe(EMPTY_MAPPING);
  });

  it("off: the text unchanged and nothing detected", () => {
    expect(desensitize(TEXT, "off")).toEqual({ text: TEXT, spans: [], mapping: EMPTY_MAPPING, added: [] });
  });

  it("masking twice changes nothing more", () => {
    const once = desensitize(TEXT, "mask");
    const twice = desensitize(once.text, "mask", once.mapping);
    expect(twice.text).toBe(once.text);
    expect(twice.added).toEqual([]);
  });

  it("reveal fills known placeholders back and leaves unknown ones", () => {
    const r = desensitize("call 13812345678 or mail li@qq.com", "mask");
    const values = Object.fromEntries(r.added.map((e) => [e.placeholder, e.value]));
    expect(reveal(r.text, values)).toBe("call 13812345678 or mail li@qq.com");
    expect(reveal("[EMAIL_9] and [EMAIL_1]", values)).toBe("[EMAIL_9] and li@qq.com");
  });
});

describe("flattenFields", () => {
  it("lays tags, nested metadata strings and names flat and puts replacements back in the same places, leaving keys and non-strings alone", () => {
    const sets = [
      { tags: ["a", "b"], metadata: { x: { y: ["c", 1, true] }, z: "d" }, name: null },
      { name: "e" },
    ];
    const flat = flattenFields(sets);
    expect(flat.strings).toEqual(["a", "b", "c", "d", "e"]);
    const back = flat.restore(flat.strings.map((s) => s.toUpperCase()));
    expect(back).toEqual([
      { tags: ["A", "B"], metadata: { x: { y: ["C", 1, true] }, z: "D" }, name: null },
      { name: "E" },
    ]);
    expect(sets[0]?.tags).toEqual(["a", "b"]);
  });
});
