// The rule-based `fast` extractor: sentences, pronouns, chit-chat, types, entities, dates, windows.
import { describe, expect, it } from "vitest";
import { isChitChat } from "../../src/memory/extraction/chitchat";
import { classifyType } from "../../src/memory/extraction/classify-type";
import { extractEntities } from "../../src/memory/extraction/entities";
import { resolvePronouns } from "../../src/memory/extraction/pronouns";
import { extractFast } from "../../src/memory/extraction/rules";
import { splitSentences } from "../../src/memory/extraction/sentences";
import { splitWindows } from "../../src/memory/extraction/windows";
import type { RawMessage } from "../../src/memory/types";

const T = Date.UTC(2023, 4, 8, 13, 56); // 8 May 2023

function msg(id: string, name: string, content: string, timestamp = T): RawMessage {
  return { id, role: "user", name, content, timestamp, user_id: null, agent_id: null, session_id: null };
}

describe("splitSentences", () => {
  it("keeps abbreviations, decimals and initials inside a sentence", () => {
    expect(splitSentences("Dr. Smith paid $3.50 for it. Wow!! Really? I met J. K. Rowling... she was nice.")).toEqual([
      "Dr. Smith paid $3.50 for it.",
      "Wow!!",
      "Really?",
      "I met J. K. Rowling... she was nice.",
    ]);
  });
  it("splits on line breaks and keeps e.g. and version numbers", () => {
    expect(splitSentences("Use e.g. Node.js v20.1 here\nsecond line")).toEqual(["Use e.g. Node.js v20.1 here", "second line"]);
  });
});

describe("resolvePronouns", () => {
  const names = { speaker: "Caroline", listener: "Melanie" };
  it.each([
    ["I am a counselor.", "Caroline is a counselor."],
    ["I'm going to Paris next month.", "Caroline is going to Paris next month."],
    ["I have two dogs.", "Caroline has two dogs."],
    ["I've been painting since 2016.", "Caroline has been painting since 2016."],
    ["I love hiking with my dad.", "Caroline loves hiking with Caroline's dad."],
    ["I really enjoy it.", "Caroline really enjoys it."],
    ["I don't eat meat.", "Caroline doesn't eat meat."],
    ["I try to watch it.", "Caroline tries to watch it."],
    ["I went there and I was happy.", "Caroline went there and Caroline was happy."],
    ["That book is mine.", "That book is Caroline's."],
    ["We went camping.", "Caroline went camping."],
    ["Are you going to the park?", "Is Melanie going to the park?"],
    ["You're a great friend.", "Melanie is a great friend."],
    ["I told you about my job.", "Caroline told Melanie about Caroline's job."],
    ["i'm tired", "Caroline is tired"],
  ])("%s", (input, expected) => {
    expect(resolvePronouns(input, names)).toBe(expected);
  });
  it("leaves second person alone without a single listener", () => {
    expect(resolvePronouns("You're a great friend.", { speaker: "Caroline" })).toBe("You're a great friend.");
  });
});

describe("isChitChat", () => {
  it.each(["Hey Mel!", "Good to see you!", "Thanks so much!", "Haha", "That's great!", "lol", "Wow, that's so cool!", "Me too!", "How have you been?", "Sounds fun!"])(
    "drops %s",
    (s) => expect(isChitChat(s)).toBe(true),
  );
  it.each(["I adopted a dog named Max.", "We moved to Berlin in 2019.", "My sister is a nurse."])("keeps %s", (s) =>
    expect(isChitChat(s)).toBe(false),
  );
});

describe("classifyType and extractEntities", () => {
  it.each([
    ["Caroline loves pottery.", "preference"],
    ["Caroline is going to Paris next month.", "plan"],
    ["Caroline went to a support group yesterday.", "event"],
    ["Melanie's sister is a nurse.", "relationship"],
    ["To install it, run the command npm ci.", "procedure"],
    ["Caroline is a counselor.", "fact"],
  ] as const)("%s → %s", (text, type) => expect(classifyType(text)).toBe(type));

  it("finds speakers, capitalized names, quoted titles and places", () => {
    const e = extractEntities('Caroline read "Becoming Nicole" with Amy Ellis Nutt in Boston.', ["Caroline", "Melanie"]);
    expect(e).toEqual(expect.arrayContaining(["Caroline", "Becoming Nicole", "Amy Ellis Nutt", "Boston"]));
    expect(e).not.toContain("Melanie");
    expect(extractEntities("Yesterday Caroline went out.", [])).toEqual(["Caroline"]);
  });
});

describe("extractFast", () => {
  const dialogue = [
    msg("D1:1", "Caroline", "Hey Mel! Good to see you! How have you been?"),
    msg("D1:2", "Melanie", "Hey Caroline! I'm swamped with the kids & work. Have you been painting long?"),
    msg("D1:3", "Caroline", "Yes, since 2016. I went to a LGBTQ support group yesterday and it was so powerful."),
    msg("D1:4", "Melanie", "Haha, that's great!"),
    msg("D1:5", "Melanie", "Thanks!"),
    msg("D1:6", "Melanie", "I'm planning to take my kids to the museum next month. I love dinosaurs."),
  ];
  const out = extractFast(dialogue);
  const texts = out.map((c) => c.text);

  it("resolves first person to the speaker with agreement", () => {
    expect(texts).toContain("Melanie is swamped with the kids & work.");
    expect(texts.some((t) => t.startsWith("Caroline went to a LGBTQ support group yesterday"))).toBe(true);
    expect(texts.join(" ")).not.toMatch(/\b(I|I'm|my)\b/);
  });

  it("drops chit-chat turns entirely", () => {
    const ids = new Set(out.flatMap((c) => c.source_message_ids));
    expect(ids.has("D1:1")).toBe(false);
    expect(ids.has("D1:4")).toBe(false);
    expect(ids.has("D1:5")).toBe(false);
  });

  it("resolves relative dates against the message time and writes them into the text", () => {
    const c = out.find((x) => x.text.includes("support group"))!;
    expect(c.event_time).toBe(Date.UTC(2023, 4, 7));
    expect(c.text).toContain("yesterday (7 May 2023)");
    expect(c.type).toBe("event");
    expect(c.entities).toEqual(expect.arrayContaining(["Caroline", "LGBTQ"]));
    expect(c.source_message_ids).toEqual(["D1:3"]);
    const plan = out.find((x) => x.text.includes("museum"))!;
    expect(plan.type).toBe("plan");
    expect(plan.event_time).toBe(Date.UTC(2023, 5, 1));
    expect(plan.text).toContain("Melanie's kids");
  });

  it("pairs an elliptic answer with its question and keeps both sources", () => {
    const c = out.find((x) => x.text.includes("2016"))!;
    expect(c.text).toBe("Has Caroline been painting long? Caroline: yes, since 2016.");
    expect(c.source_message_ids).toEqual(["D1:3", "D1:2"]);
    expect(c.event_time).toBe(Date.UTC(2016, 0, 1));
  });

  it("splits sentences into separate candidates with scores in range", () => {
    expect(texts).toContain("Melanie loves dinosaurs.");
    for (const c of out) {
      expect(c.importance).toBeGreaterThan(0);
      expect(c.importance).toBeLessThan(1);
    }
  });

  it("is deterministic and emits a shared photo as a statement", () => {
    expect(extractFast(dialogue)).toEqual(out);
    const photo = extractFast([msg("a", "Jon", "Look at this! [shared a photo of a dance studio]")]);
    expect(photo.map((c) => c.text)).toEqual(["Jon shared a photo of a dance studio."]);
  });

  it("names roles when messages have no speaker name", () => {
    const c = extractFast([{ ...msg("u1", "", "I live in Lisbon and I work as a nurse."), name: null }]);
    expect(c[0]!.text).toBe("The user lives in Lisbon and The user works as a nurse.");
  });
});

describe("splitWindows", () => {
  const xs = Array.from({ length: 10 }, (_, i) => i);
  it("overlaps consecutive windows and ends at the last item", () => {
    expect(splitWindows(xs, { size: 4, overlap: 1 })).toEqual([[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]);
    expect(splitWindows(xs, { size: 4, overlap: 0 })).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(splitWindows(xs, { size: 20, overlap: 5 })).toEqual([xs]);
    expect(splitWindows([], { size: 3, overlap: 1 })).toEqual([]);
  });
  it("rejects options that would not advance", () => {
    expect(() => splitWindows(xs, { size: 3, overlap: 3 })).toThrow(RangeError);
    expect(() => splitWindows(xs, { size: 0, overlap: 0 })).toThrow(RangeError);
  });
});

describe("disfluencies", () => {
  it("are removed before extraction, so that they never become facts", async () => {
    const { stripDisfluencies } = await import("../../src/memory/extraction/disfluency");
    expect(stripDisfluencies("Um, I mean, I kind of love painting, you know.")).toBe("I love painting.");
    expect(stripDisfluencies("I mean it, a kind of bread I like.")).toBe("I mean it, a kind of bread I like.");
    expect(stripDisfluencies("It was you know AMAZING")).toBe("It was AMAZING");
    expect(stripDisfluencies("Do you know what I mean")).toBe("Do you know what I mean");
    const out = extractFast([{ id: "m1", role: "user", name: "Jon", content: "I have been into dancing since, I mean, I was a kid, you know, basically.", timestamp: Date.UTC(2023, 0, 1), user_id: null, agent_id: null, session_id: null }]);
    expect(out.map((c) => c.text)).toEqual(["Jon has been into dancing since Jon was a kid."]);
  });
});

describe("vocatives without a comma", () => {
  const msg = (content: string, name = "Maria"): RawMessage => ({ id: "m1", role: "user", name, content, timestamp: Date.UTC(2023, 0, 1), user_id: null, agent_id: null, session_id: null });
  it("drop the listener's name that opens a sentence, but keep it as a subject", () => {
    const speakers = ["Maria", "John"];
    expect(extractFast([msg("John a bit of support can make an amazing change.")], { speakers }).map((c) => c.text)).toEqual(["A bit of support can make an amazing change."]);
    expect(extractFast([msg("John has a dog named Max at home.")], { speakers }).map((c) => c.text)).toEqual(["John has a dog named Max at home."]);
  });
});
