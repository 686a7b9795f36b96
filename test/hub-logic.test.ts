// The hub's pure rules: who sees a listing, what it is matched by, and how the two rankings fuse.
import { describe, expect, it } from "vitest";
import { canSee, hubViewer, isPublisher, viewerMembers } from "../src/memory/hub/visibility";
import { bm25, cosine, decodeVector, encodeVector, fuseRanks, listingText, listingTitle } from "../src/memory/hub/text";
import type { ListingContent } from "../src/memory/hub/types";

const listing = (status: "pending" | "approved" | "rejected", visibility: { tenant: true } | { group_id: string }) => ({ status, visibility, publisher_key_id: "key_pub", publisher_user_id: "alice" });

describe("hub visibility", () => {
  it("shows approved tenant listings to every key, group listings to members only, and anything to approvers and publishers", () => {
    const member = hubViewer("key_c", { user_ids: ["carol"] }, ["memories:read"]);
    const outsider = hubViewer("key_b", { user_ids: ["bob"] }, ["memories:read"]);
    const wide = hubViewer("key_w", null, ["memories:read"]);
    const approver = hubViewer("key_h", { user_ids: ["hank"] }, ["memories:read", "hub:admin"]);
    const publisherByUser = hubViewer("key_other", { user_ids: ["alice"] }, ["memories:read"]);
    const groups = new Set(["grp_1"]);
    const none = new Set<string>();
    expect(canSee(member, listing("approved", { group_id: "grp_1" }), groups)).toBe(true);
    expect(canSee(outsider, listing("approved", { group_id: "grp_1" }), none)).toBe(false);
    expect(canSee(outsider, listing("approved", { tenant: true }), none)).toBe(true);
    expect(canSee(wide, listing("approved", { group_id: "grp_1" }), none)).toBe(true);
    expect(canSee(wide, listing("pending", { tenant: true }), none)).toBe(false);
    expect(canSee(member, listing("rejected", { group_id: "grp_1" }), groups)).toBe(false);
    expect(canSee(approver, listing("pending", { group_id: "grp_9" }), none)).toBe(true);
    expect(canSee(publisherByUser, listing("rejected", { group_id: "grp_9" }), none)).toBe(true);
    expect(isPublisher(hubViewer("key_pub", null, []), listing("pending", { tenant: true }))).toBe(true);
    expect(hubViewer("k", null, ["admin"]).approver).toBe(true);
    expect(viewerMembers(hubViewer("k", { user_ids: ["u"], agent_ids: ["a"] }, []))).toEqual([
      { kind: "user", id: "u" },
      { kind: "agent", id: "a" },
    ]);
  });
});

describe("hub listing text", () => {
  const skill: ListingContent = {
    kind: "skill",
    skill: { name: "rotate-api-key", description: "Rotate a key", when_to_use: "When a key leaks", parameters: { type: "object", properties: {}, required: [], additionalProperties: false }, steps: [{ text: "Create a new key", tool: null, condition: null }], preconditions: [], examples: [] },
  };
  it("matches a skill by its name words, description, use and steps, and titles a long memory short", () => {
    expect(listingText(skill, "team favourite").split("\n")).toEqual(["rotate api key", "Rotate a key", "When a key leaks", "Create a new key", "team favourite"]);
    expect(listingTitle(skill)).toBe("rotate-api-key");
    const long = listingTitle({ kind: "memory", memory: { text: "word ".repeat(100), type: "note", tags: [] } });
    expect(long.length).toBe(120);
    expect(long.endsWith("…")).toBe(true);
  });

  it("round-trips a vector through base64 and scores BM25 only for shared terms", () => {
    const v = new Float32Array([0.6, 0.8, 0]);
    const back = decodeVector(encodeVector(v));
    expect(Array.from(back)).toEqual(Array.from(v));
    expect(cosine(v, back)).toBeCloseTo(1, 6);
    const scores = bm25("reset database", ["how to reset the staging database", "lunch on fridays", "database backups"]);
    expect(scores[1]).toBe(0);
    expect(scores[0]).toBeGreaterThan(scores[2] as number);
  });

  it("fuses two rankings so that an id both found ranks first, and one found by one route still ranks", () => {
    const fused = fuseRanks(["a", "b"], ["b", "c"]).map((r) => r.id);
    expect(fused[0]).toBe("b");
    expect(fused).toEqual(["b", "a", "c"]);
  });
});
