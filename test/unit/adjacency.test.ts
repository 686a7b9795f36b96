// Adjacency of memories for the neighbouring-turns boost: by source messages, else by seq in a session.
import { describe, expect, it } from "vitest";
import { adjacentMemories, type PlacedMemory } from "../../src/memory/retrieval/adjacency";

const place = (seq: number, positions: number[], extra: Partial<PlacedMemory> = {}): [number, PlacedMemory] => [
  seq,
  { seq, scope: "u\u0000", hasSession: false, positions, ok: true, ...extra },
];

describe("adjacentMemories", () => {
  it("links extracted memories to the nearest memory of the same or an adjacent message on each side, without a session", () => {
    // Messages 10, 11, 13: seqs 1-2 from message 10, 3 from 11, 4 from 13 (12 said nothing).
    const placed = new Map([place(1, [10]), place(2, [10]), place(3, [11]), place(4, [13])]);
    expect(adjacentMemories([2], placed).get(2)).toEqual([1, 3]);
    expect(adjacentMemories([3], placed).get(3)).toEqual([2]);
    expect(adjacentMemories([4], placed).has(4)).toBe(false);
  });

  it("skips memories that fail the filter or belong to another scope", () => {
    const placed = new Map([place(1, [10], { ok: false }), place(2, [10], { scope: "v\u0000" }), place(3, [11]), place(4, [12])]);
    expect(adjacentMemories([3], placed).get(3)).toEqual([4]);
  });

  it("links raw memories by seq only inside a session", () => {
    const inSession = new Map([place(1, [], { hasSession: true }), place(2, [], { hasSession: true }), place(3, [], { hasSession: true })]);
    expect(adjacentMemories([2], inSession).get(2)).toEqual([1, 3]);
    const noSession = new Map([place(1, []), place(2, [])]);
    expect(adjacentMemories([2], noSession).has(2)).toBe(false);
  });
});
