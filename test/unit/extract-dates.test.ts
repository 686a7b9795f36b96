// Date resolution of the fast extractor against a message timestamp.
import { describe, expect, it } from "vitest";
import { resolveDate } from "../../src/memory/extraction/dates";

// Monday 8 May 2023, 13:56 UTC.
const REF = Date.UTC(2023, 4, 8, 13, 56);
const day = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d);

describe("resolveDate", () => {
  it.each([
    ["I went there yesterday", day(2023, 5, 7), "day", "7 May 2023"],
    ["the day before yesterday", day(2023, 5, 6), "day", "6 May 2023"],
    ["we leave tomorrow", day(2023, 5, 9), "day", "9 May 2023"],
    ["two days ago", day(2023, 5, 6), "day", "6 May 2023"],
    ["3 days ago", day(2023, 5, 5), "day", "5 May 2023"],
    ["last week", day(2023, 5, 1), "week", "the week of 1 May 2023"],
    ["next week", day(2023, 5, 15), "week", "the week of 15 May 2023"],
    ["next month", day(2023, 6, 1), "month", "June 2023"],
    ["last month", day(2023, 4, 1), "month", "April 2023"],
    ["last year", day(2022, 1, 1), "year", "2022"],
    ["last May", day(2022, 5, 1), "month", "May 2022"],
    ["last March", day(2023, 3, 1), "month", "March 2023"],
    ["next March", day(2024, 3, 1), "month", "March 2024"],
    ["last Friday", day(2023, 5, 5), "day", "5 May 2023"],
    ["next Monday", day(2023, 5, 15), "day", "15 May 2023"],
    ["last weekend", day(2023, 5, 6), "day", "6 May 2023"],
    ["on 20 July, 2022", day(2022, 7, 20), "day", "20 July 2022"],
    ["on July 20th, 2022", day(2022, 7, 20), "day", "20 July 2022"],
    ["2021-03-04", day(2021, 3, 4), "day", "4 March 2021"],
    ["in June 2021", day(2021, 6, 1), "month", "June 2021"],
    ["since 2016", day(2016, 1, 1), "year", "2016"],
    ["a couple of weeks ago", day(2023, 4, 24), "week", "the week of 24 April 2023"],
  ])("%s", (text, time, granularity, label) => {
    const d = resolveDate(text, REF);
    expect(d).not.toBeNull();
    expect(d!.time).toBe(time);
    expect(d!.granularity).toBe(granularity);
    expect(d!.label).toBe(label);
  });

  it("returns null when the text says nothing about when", () => {
    expect(resolveDate("I love painting sunsets", REF)).toBeNull();
    expect(resolveDate("I may go", REF)).toBeNull();
  });

  it("never produces an impossible day: 31 February falls back to the month", () => {
    const d = resolveDate("31 February 2023", REF)!;
    expect(d.granularity).toBe("month");
    expect(d.time).toBe(day(2023, 2, 1));
  });

  it("takes the first expression in the text", () => {
    expect(resolveDate("yesterday I booked a trip for next month", REF)!.matched).toBe("yesterday");
  });
});
