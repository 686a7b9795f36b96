// Mem2Skill fast mode on service dialogues: a procedure whose approved last call the service refused,
// questions tied to the call parameter their answer fills, options offered in text as the search
// they stand for, and answers that add a detail without opening another task.
import { describe, expect, it } from "vitest";
import { mineSkills } from "../../src/memory/skills/mine";
import { asksToConfirm, offersFoundOption } from "../../src/memory/skills/mine-agent-acts";
import { answerHolds, tieQuestions, valueSpan } from "../../src/memory/skills/mine-ties";
import type { SkillMessage } from "../../src/memory/skills/types";

let seq = 0;
function msg(role: SkillMessage["role"], content: string, extra: Partial<SkillMessage> = {}): SkillMessage {
  seq++;
  return { id: `d${seq}`, role, content, name: null, tool_calls: [], tool_call_id: null, timestamp: 1_700_000_000_000 + seq, ...extra };
}
function call(id: string, name: string, args: Record<string, unknown>): SkillMessage {
  return msg("assistant", "", { tool_calls: [{ id, name, arguments: JSON.stringify(args) }] });
}
function result(id: string, content: string): SkillMessage {
  return msg("tool", content, { tool_call_id: id });
}
const shape = (messages: SkillMessage[]): string[][] => mineSkills(messages).map((d) => d.steps.map((s) => (s.tool ? `call ${s.tool.name}` : s.text)));

describe("mineSkills: a last call the service refused", () => {
  const soldOut = (approval: string): SkillMessage[] => [
    msg("user", "I'd like to get some tickets for an event."),
    msg("assistant", "Which event do you have in mind?"),
    msg("user", "Giants Vs Dodgers."),
    msg("assistant", "You'd like 3 tickets to Giants Vs Dodgers for next Wednesday. Can you confirm this please?"),
    msg("user", approval),
    call("b1", "BuyEventTickets", { event_name: "Giants Vs Dodgers", number_of_seats: "3" }),
    result("b1", '{"status":"error"}'),
    msg("assistant", "I'm sorry, the event is sold out."),
  ];

  it("keeps a procedure whose last call failed when the user had approved the read-back of that call", () => {
    const [steps] = shape(soldOut("That is correct."));
    expect(steps).toEqual(["Which event do you have in mind?", expect.stringMatching(/^Confirm with the user: /), "call BuyEventTickets"]);
  });

  it("makes no skill when the reply to the read-back changed the details instead of approving them", () => {
    expect(mineSkills(soldOut("No, make it 4 tickets instead."))).toEqual([]);
  });

  it("keeps a failed call retried with other values as an attempt even when the retry failed too", () => {
    const messages = [
      ...soldOut("Yes."),
      msg("user", "That's too bad. Can you check the Mets Vs Cubs?"),
      msg("assistant", "Please confirm: 3 tickets to Mets Vs Cubs next Wednesday."),
      msg("user", "Yes."),
      call("b2", "BuyEventTickets", { event_name: "Mets Vs Cubs", number_of_seats: "3" }),
      result("b2", '{"status":"error"}'),
    ];
    const steps = mineSkills(messages)[0]!.steps.filter((s) => s.tool);
    expect(steps.map((s) => s.tool!.name)).toEqual(["BuyEventTickets", "BuyEventTickets"]);
    expect(steps.map((s) => s.condition)).toEqual([null, "if the previous buy event tickets failed"]);
  });
});

describe("tying a question to the call parameter its answer fills", () => {
  it("finds a value in the reply as whole words, number words, spoken dates and clock times", () => {
    expect(valueSpan("I am traveling to Los Angeles.", "Los Angeles")).toBe("Los Angeles");
    expect(answerHolds("I need two tickets.", "2")).toBe(true);
    expect(answerHolds("At afternoon 1:30.", "1")).toBe(false);
    expect(answerHolds("I need 12 seats.", "1")).toBe(false);
    expect(valueSpan("I am leaving on the 11th of March.", "2019-03-11")).toBe("the 11th of March");
    expect(valueSpan("Let's go with March 10th.", "2019-03-10")).toBe("March 10th");
    expect(valueSpan("Reserve for six in the evening.", "18:00")).toBe("six in the evening");
    expect(answerHolds("Reserve for six in the morning.", "18:00")).toBe(false);
    expect(answerHolds("Yes, that works.", "True")).toBe(false);
  });

  const flight = [{ index: 0, args: { destination_city: "Los Angeles", origin_city: "Seattle", departure_date: "2019-03-11" } }];

  it("ties a question that names no parameter to the one value its short reply gave", () => {
    expect(tieQuestions(["Where are you planning to visit?"], "I am traveling to Los Angeles.", flight, new Set())).toEqual([{ key: "destination_city", call: 0 }]);
  });

  it("leaves the question open when the reply says much more than the value, or fills a parameter already tied", () => {
    expect(tieQuestions(["Where should I begin the search?"], "I'm looking for flights next week to Los Angeles, cheap ones if you have any.", flight, new Set())).toEqual([null]);
    expect(tieQuestions(["Where are you planning to visit?"], "Los Angeles.", flight, new Set(["0:destination_city"]))).toEqual([null]);
  });

  it("gives each question of one turn the parameter it names best, and none to a question naming one the reply did not fill", () => {
    const events = [{ index: 3, args: { city: "Atlanta", event_name: "Yellow Jackets Vs Bulls" } }];
    expect(tieQuestions(["Is there a particular city you would like me to research the event for?"], "Events in ATL. I heard Yellow Jackets Vs Bulls is good.", events, new Set())).toEqual([null]);
    const food = [{ index: 1, args: { city: "Oakland", cuisine: "Thai" } }];
    expect(tieQuestions(["Which city should I search in?", "What kind of food do you like?"], "Oakland, something Thai.", food, new Set())).toEqual([
      { key: "city", call: 1 },
      { key: "cuisine", call: 1 },
    ]);
    // "What city will you be departing from?" names origin_city and destination_city alike: neither is taken for it.
    const trip = [{ index: 2, args: { origin_city: "Seattle", destination_city: "San Diego" } }];
    expect(tieQuestions(["What city will you be departing from?", "Where are you planning to travel to?"], "Seattle, and then San Diego.", trip, new Set())).toEqual([null, null]);
  });

  it("writes the tied parameter into the step of a question that does not name it", () => {
    const messages = [
      msg("user", "Please look for flights."),
      msg("assistant", "Where are you going?"),
      msg("user", "Atlanta."),
      msg("assistant", "Which city are you leaving from?"),
      msg("user", "New York."),
      call("s1", "SearchOnewayFlight", { destination_city: "Atlanta", origin_city: "New York" }),
      result("s1", '{"status":"ok"}'),
    ];
    expect(shape(messages)).toEqual([["Ask for the destination city: Where are you going?", "Which city are you leaving from?", "call SearchOnewayFlight"]]);
  });

  it("does not split the task at an answer that adds a detail with 'also' after the agent asked for a value", () => {
    const messages = [
      msg("user", "Can you help me find a flight?"),
      msg("assistant", "Where are you going?"),
      msg("user", "To Atlanta on the 14th of March. I also prefer to travel in Economy class."),
      call("s2", "SearchOnewayFlight", { destination_city: "Atlanta", departure_date: "2019-03-14", seating_class: "Economy" }),
      result("s2", '{"status":"ok"}'),
    ];
    expect(mineSkills(messages)).toHaveLength(1);
  });
});

describe("options offered in text", () => {
  it("recognizes an offer of a found option, not a question, an offer of service or a yes/no offer", () => {
    for (const s of ["How about Lost Stars by Adam Levine?", "What about Breakthrough, JT LeRoy or Searching for Sugar Man?", "There are 4 flights that match.", "Okay. There is a nice salon called Atelier."]) {
      expect(offersFoundOption(s), s).toBe(true);
    }
    for (const s of ["How about you?", "What city are you in?", "Would you like to buy tickets?", "There is anything else I can help with?", "How many tickets?"]) {
      expect(offersFoundOption(s), s).toBe(false);
    }
  });

  const movies = (between: string): SkillMessage[] => [
    msg("user", "I want to watch a movie."),
    msg("assistant", "What genre do you like?"),
    msg("user", "Comedy."),
    msg("assistant", "How about Family?"),
    msg("user", between),
    msg("assistant", "How about Booksmart?"),
    msg("user", "Sounds good."),
    msg("assistant", "Please confirm: play Booksmart without subtitles."),
  ];

  it("makes an offer the search it stands for, once per search: an offer after 'any other?' is the same search's next result", () => {
    expect(shape(movies("Any other comedies?"))).toEqual([["What genre do you like?", "Find and offer an option: How about Family?", expect.stringMatching(/^Confirm with the user: /)]]);
    // A new request ("one by Olivia Wilde") is a new search.
    expect(shape(movies("I'd rather see one by Olivia Wilde."))[0]).toContain("Find and offer an option: How about Booksmart?");
  });
});

describe("read-backs without the word 'confirm'", () => {
  it("takes a restated wish ending in a question, 'correct?', 'make sure' and 'check the details' as a read-back", () => {
    for (const s of ["So you want to buy 1 ticket for El Salvador Vs Haiti next Monday?", "You would like a shared taxi for 3 to 2317 Central Avenue?", "An appointment at Cut Right next Thursday, at 2:30 pm correct?", "Just to make sure, you want 3 tickets for the day after tomorrow?", "Please check the details, from my savings account to Mr Raghav's checking account."]) {
      expect(asksToConfirm(s), s).toBe(true);
    }
    for (const s of ["Do you want to buy tickets?", "Is that alright?", "Your appointment is set on March 9th at 2 pm.", "You can check the details on our site."]) {
      expect(asksToConfirm(s), s).toBe(false);
    }
  });
});
