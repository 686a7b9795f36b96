// Mem2Skill fast mode on agent turns that show an operation only by its outcome: reports of
// success and failure, short reports, options put to the user, questions for a value without
// the usual form; and the traced output (which message and act each step came from).
import { describe, expect, it } from "vitest";
import { mineSkillsTraced } from "../../src/memory/skills/mine";
import { asksForInformation, offersFoundOption } from "../../src/memory/skills/mine-agent-acts";
import { messageActs } from "../../src/memory/skills/mine-text";
import type { SkillMessage } from "../../src/memory/skills/types";

const acts = (text: string): Array<[string, string]> => messageActs(text, "assistant").map((a) => [a.kind, a.text]);

describe("reported outcomes as the operation they stand for", () => {
  it.each([
    ["Sorry, I was unable to reserve the tickets for you.", "Reserve the tickets for you."],
    ["It looks like I am unable to book those tickets for you.", "Book those tickets for you."],
    ["Sorry the reservation was not successful.", "Complete the reservation."],
    ["Reservation made.", "Complete the reservation."],
    ["Transaction completed.", "Complete the transaction."],
    ["Reservations have been made.", "Complete the reservations."],
    ["Your transfer has gone through.", "Complete your transfer."],
    ["Congrats, your reservation is confirmed", "Complete your reservation."],
    ["Congratulations, you have successfully made the reservation.", "Make the reservation."],
    ["You now have a reservation for the event.", "Get a reservation for the event."],
    ["The movie is starting now.", "Start the movie."],
    ["Movie playing.", "Start the movie."],
    ["Congratulations, its done.", "Complete the request."],
  ])("%s → %s", (text, step) => {
    expect(acts(text)).toEqual([["operation", step]]);
  });

  it.each(["Sorry, I don't know.", "Sorry about that.", "Done.", "It is located at 24 Willie Mays Plaza.", "I was unable to hear you."])("no operation in %s", (text) => {
    expect(acts(text).filter(([kind]) => kind === "operation")).toEqual([]);
  });
});

describe("options put to the user and questions for a value", () => {
  it.each([
    "There's a Portland Thorns Vs Houston event at Providence Park.",
    "I have 3 restaurants, Cabalen is a nice one in San Bruno.",
    "Of the 4 Ethiopian restaurants in Berkeley, Addis Restaurant is a good one.",
    "I can see that there are 4 movies which you might like.",
    "Found 5 events as per your wish.",
    "Are you interested in Dc United Vs Revolution at Audi Field?",
    "Do you like How to Train Your Dragon: The Hidden World?",
    "For San Bruno, I recommend the Cut Right Barber shop.",
  ])("an offer: %s", (text) => {
    expect(offersFoundOption(text)).toBe(true);
  });

  it.each(["Do you like spicy food?", "Would you like to book a table?", "Is there anything else I can help you with?", "Can you suggest a time?"])("not an offer: %s", (text) => {
    expect(offersFoundOption(text)).toBe(false);
  });

  it.each(["Do you have a city?", "Do you know what event you need?", "How many tickets do you want.", "Please let me know the recipient's name."])("a question for a value: %s", (text) => {
    expect(asksForInformation(text)).toBe(true);
  });

  it.each(["Do you have any other questions?", "What a great choice.", "Do you want me to book it?"])("not a question for a value: %s", (text) => {
    expect(asksForInformation(text)).toBe(false);
  });
});

describe("mineSkillsTraced", () => {
  const m = (id: string, role: SkillMessage["role"], content: string): SkillMessage => ({ id, role, content, name: null, tool_calls: [], tool_call_id: null, timestamp: 0 });
  const dialogue = [
    m("u1", "user", "I need tickets for a concert."),
    m("a1", "assistant", "Which city are you in?"),
    m("u2", "user", "Berkeley."),
    m("a2", "assistant", "I found 2 events. How about Fidlar at Cornerstone?"),
    m("u3", "user", "Sounds good, book 3 tickets."),
    m("a3", "assistant", "Please confirm: 3 tickets to Fidlar next Monday."),
    m("u4", "user", "Yes."),
    m("a4", "assistant", "Your tickets have been booked."),
  ];

  it("gives each step the message it was mined from and the act it was mined as", () => {
    const [t] = mineSkillsTraced(dialogue);
    expect(t!.step_sources).toHaveLength(t!.draft.steps.length);
    expect(t!.step_sources).toEqual(["a1", "a2", "a3", "a4"]);
    expect(t!.step_kinds).toEqual(["request", "operation", "confirm", "operation"]);
  });
});
