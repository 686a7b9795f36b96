import { describe, expect, it } from "vitest";
import { anchoredRange, parseEventAnchor, parseTimeQuery } from "../../src/memory/retrieval/time-query";

// Reference: Wednesday 15 May 2024, 13:30 UTC.
const REF = Date.UTC(2024, 4, 15, 13, 30);
const D = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);

describe("parseTimeQuery", () => {
  it.each([
    ["What did Caroline do in May 2023?", D(2023, 5, 1), D(2023, 6, 1), "What did Caroline do?"],
    ["What happened on 8 May, 2023", D(2023, 5, 8), D(2023, 5, 9), "What happened"],
    ["meeting on May 8th, 2023 with Bob", D(2023, 5, 8), D(2023, 5, 9), "meeting with Bob"],
    ["trips 2023-02-28", D(2023, 2, 28), D(2023, 3, 1), "trips"],
    ["what did I read in 2022", D(2022, 1, 1), D(2023, 1, 1), "what did I read"],
    ["what did I eat yesterday?", D(2024, 5, 14), D(2024, 5, 15), "what did I eat?"],
    ["plans for today", D(2024, 5, 15), D(2024, 5, 16), "plans for"],
    ["who called 3 days ago", D(2024, 5, 12), D(2024, 5, 13), "who called"],
    ["what did we discuss two weeks ago", D(2024, 4, 29), D(2024, 5, 6), "what did we discuss"],
    ["what happened last week", D(2024, 5, 6), D(2024, 5, 13), "what happened"],
    ["books I bought last month", D(2024, 4, 1), D(2024, 5, 1), "books I bought"],
    ["goals this year", D(2024, 1, 1), D(2025, 1, 1), "goals"],
    ["what did she do in March", D(2024, 3, 1), D(2024, 4, 1), "what did she do"],
    ["where was he in June", D(2023, 6, 1), D(2023, 7, 1), "where was he"],
    ["runs in the past 7 days", D(2024, 5, 9), D(2024, 5, 16), "runs"],
  ])("%s", (q, from, to, rest) => {
    const r = parseTimeQuery(q, REF);
    expect(r?.range).toEqual({ from, to });
    expect(r?.query).toBe(rest);
  });

  it("turns before/after/since into open ranges", () => {
    expect(parseTimeQuery("jobs before May 2023", REF)?.range).toEqual({ from: null, to: D(2023, 5, 1) });
    expect(parseTimeQuery("what happened after 8 May 2023", REF)?.range).toEqual({ from: D(2023, 5, 9), to: null });
    expect(parseTimeQuery("everything since 2020", REF)).toEqual({ range: { from: D(2020, 1, 1), to: null }, query: "everything", matched: "since 2020" });
  });

  it("handles month ends and leap years", () => {
    expect(parseTimeQuery("in December 2023", REF)?.range).toEqual({ from: D(2023, 12, 1), to: D(2024, 1, 1) });
    expect(parseTimeQuery("on 29 February 2024", REF)?.range).toEqual({ from: D(2024, 2, 29), to: D(2024, 3, 1) });
    // An impossible day falls back to its month.
    expect(parseTimeQuery("on 29 February 2023 we met", REF)?.range).toEqual({ from: D(2023, 2, 1), to: D(2023, 3, 1) });
  });

  it("returns null when there is no time expression", () => {
    expect(parseTimeQuery("What is Caroline's favourite book?", REF)).toBeNull();
    expect(parseTimeQuery("may I ask about her dog", REF)).toBeNull();
    expect(parseTimeQuery("she ran 5000 meters", REF)).toBeNull();
  });

  it("is deterministic for the same reference time", () => {
    expect(parseTimeQuery("last month", REF)).toEqual(parseTimeQuery("last month", REF));
  });
});

describe("parseEventAnchor", () => {
  it("reads a time relative to an event the query names", () => {
    expect(parseEventAnchor("What did Caroline do before she moved?")).toEqual({ relation: "before", event: "she moved", matched: "before she moved" });
    expect(parseEventAnchor("where did they go after the wedding, and why")).toEqual({ relation: "after", event: "the wedding", matched: "after the wedding" });
    expect(parseEventAnchor("What has he painted since he started the job")?.relation).toBe("after");
    expect(parseEventAnchor("plans prior to adopting the dog")).toMatchObject({ relation: "before", event: "adopting the dog" });
  });

  it("leaves dates, durations and plain questions alone", () => {
    expect(parseEventAnchor("What is Caroline's favourite book?")).toBeNull();
    expect(parseEventAnchor("Had she been there before?")).toBeNull();
    expect(parseEventAnchor("what happened before last week")).toBeNull();
    expect(parseEventAnchor("before 2 years ago")).toBeNull();
    expect(parseEventAnchor("anything since yesterday")).toBeNull();
    expect(parseEventAnchor("Who is her dog named after?")).toBeNull();
    expect(parseEventAnchor("Who was the dog named after her grandmother")).toBeNull();
    expect(parseEventAnchor("who looks after the kids on weekends")).toBeNull();
  });

  it("turns the event's time into the range before it or from it on", () => {
    const a = parseEventAnchor("before she moved")!;
    expect(anchoredRange(a, 1000)).toEqual({ from: null, to: 1000 });
    expect(anchoredRange(parseEventAnchor("after she moved")!, 1000)).toEqual({ from: 1000, to: null });
  });
});
