// Mem2Skill mining on concrete dialogues: tool-call sequences, lists, sequences, commands, an
// agent working through a task, small talk; and fine mode through a scripted LLM.
import { describe, expect, it } from "vitest";
import { mineSkills, looksProcedural } from "../../src/memory/skills/mine";
import { asksForInformation, asksToConfirm, baseVerb, reportedOperation, splitQuestion } from "../../src/memory/skills/mine-agent-acts";
import { OPERATION_VERBS } from "../../src/memory/skills/mine-text";
import { mineSkillsFine, mineSkillsWithLlm } from "../../src/memory/skills/mine-llm";
import type { SkillMessage } from "../../src/memory/skills/types";
import { checkDraft } from "../../src/memory/skills/validate";
import { ProviderError } from "../../src/providers/errors";
import type { LLM, LlmRequest } from "../../src/providers/llm";

let seq = 0;
function msg(role: SkillMessage["role"], content: string, extra: Partial<SkillMessage> = {}): SkillMessage {
  seq++;
  return { id: `m${seq}`, role, content, name: null, tool_calls: [], tool_call_id: null, timestamp: 1_700_000_000_000 + seq, ...extra };
}
function call(id: string, name: string, args: Record<string, unknown>): SkillMessage {
  return msg("assistant", "", { tool_calls: [{ id, name, arguments: JSON.stringify(args) }] });
}
function result(id: string, content: string): SkillMessage {
  return msg("tool", content, { tool_call_id: id });
}

const deploy = (): SkillMessage[] => [
  msg("user", "Please deploy the billing api to staging."),
  call("c1", "git_pull", { repo: "billing-api", branch: "main" }),
  result("c1", "Already up to date."),
  call("c2", "run_tests", { repo: "billing-api" }),
  result("c2", "Error: connection refused"),
  call("c3", "run_tests", { repo: "billing-api" }),
  result("c3", "42 passed"),
  call("c4", "run_tests", { repo: "billing-api" }),
  result("c4", "42 passed"),
  call("c5", "deploy", { repo: "billing-api", env: "staging", replicas: 3 }),
  result("c5", '{"status":"deployed","url":"https://staging.example.com"}'),
  msg("user", "great, thanks!"),
];

describe("mineSkills: tool-call sequences", () => {
  it("turns a successful tool sequence into one skill: failed calls dropped, an immediate repeat folded, arguments parameterized", () => {
    const drafts = mineSkills(deploy());
    expect(drafts).toHaveLength(1);
    const d = drafts[0]!;
    expect(d.name).toBe("deploy-billing-api");
    expect(d.steps.map((s) => s.tool?.name)).toEqual(["git_pull", "run_tests", "deploy"]);
    expect(d.steps[2]!.tool!.arguments).toEqual({ repo: "{repo}", env: "{env}", replicas: "{replicas}" });
    // The same value ("billing-api") is one parameter across calls.
    expect(d.steps[0]!.tool!.arguments.repo).toBe("{repo}");
    expect(d.parameters.properties).toEqual({ repo: { type: "string" }, branch: { type: "string" }, env: { type: "string" }, replicas: { type: "integer" } });
    expect(d.parameters.required).toEqual(["repo", "branch", "env", "replicas"]);
    expect(d.examples).toEqual(["Please deploy the billing api to staging."]);
    expect(d.source_message_ids).toContain("m" + (seq - 11)); // the user's request
    expect(checkDraft(d)).toEqual([]);
  });

  it("makes no skill of a sequence whose last call failed and that nobody confirmed", () => {
    const messages = [
      msg("user", "Can you restore the database from last night's backup?"),
      call("r1", "list_backups", { db: "orders" }),
      result("r1", "orders-2026-12-01.dump"),
      call("r2", "restore_backup", { db: "orders", file: "orders-2026-12-01.dump" }),
      result("r2", "Error: disk full"),
      msg("user", "hmm, ok"),
    ];
    expect(mineSkills(messages)).toEqual([]);
    expect(looksProcedural(messages)).toBe(true);
  });

  it("reads tool calls stored with the cube's text form of the call as content, and makes no text skill of it", () => {
    const stored = (id: string, name: string, args: Record<string, unknown>): SkillMessage =>
      msg("assistant", `[tool call] ${name}(${JSON.stringify(args)})`, { tool_calls: [{ id, name, arguments: JSON.stringify(args) }] });
    const drafts = mineSkills([msg("user", "Please rotate the API key of project [PROJECT_1]."), stored("k1", "create_key", { project: "p1" }), result("k1", '{"key_id":"k_2"}'), stored("k2", "revoke_key", { key_id: "k_1" }), result("k2", "revoked")]);
    expect(drafts).toHaveLength(1);
    expect(drafts[0]!.name).toBe("rotate-api-key");
    expect(drafts[0]!.steps.map((s) => s.tool?.name)).toEqual(["create_key", "revoke_key"]);
  });

  it("splits two tasks of one conversation into two skills", () => {
    const messages = [
      msg("user", "I need to cancel order 55102."),
      call("a1", "find_order", { order_id: "55102" }),
      result("a1", '{"status":"pending"}'),
      call("a2", "cancel_order", { order_id: "55102", reason: "no longer needed" }),
      result("a2", '{"status":"cancelled"}'),
      msg("user", "Thanks! I also want to change the email on my account to [EMAIL_1]."),
      call("b1", "find_user", { email: "[EMAIL_2]" }),
      result("b1", '{"user_id":"u_9"}'),
      call("b2", "update_user", { user_id: "u_9", email: "[EMAIL_1]" }),
      result("b2", '{"ok":true}'),
    ];
    const drafts = mineSkills(messages);
    expect(drafts.map((d) => d.name)).toEqual(["cancel-order", "change-email"]);
    expect(drafts[1]!.steps.map((s) => s.tool?.name)).toEqual(["find_user", "update_user"]);
  });

  it("does not split a task at an answer that merely says 'also'", () => {
    const messages = [
      msg("user", "I need to cancel order 55102."),
      call("a1", "find_order", { order_id: "55102" }),
      result("a1", '{"status":"pending"}'),
      msg("assistant", "Found it. Why do you want to cancel?"),
      msg("user", "It arrived late, and I also found it cheaper elsewhere."),
      call("a2", "cancel_order", { order_id: "55102", reason: "late" }),
      result("a2", '{"status":"cancelled"}'),
    ];
    // One skill; the agent's question between the calls is a step of it.
    expect(mineSkills(messages).map((d) => d.steps.map((s) => s.tool?.name ?? s.text))).toEqual([["find_order", "Why do you want to cancel?", "cancel_order"]]);
  });

  const booking = (): SkillMessage[] => [
    msg("user", "I'd like to book a table somewhere nice tonight."),
    msg("assistant", "Sure. Which city should I search in? And what kind of food do you like?"),
    msg("user", "Oakland, something Thai."),
    call("f1", "FindRestaurants", { city: "Oakland", cuisine: "Thai" }),
    result("f1", '{"status":"ok"}'),
    msg("assistant", "How about Farmhouse Kitchen? It is a nice Thai place in Oakland."),
    msg("user", "Perfect, thanks."),
    msg("assistant", "Would you like me to reserve a table there?"),
    msg("user", "Yes, please book it. For 2 people."),
    msg("assistant", "At what time, and for what date?"),
    msg("user", "7 pm today."),
    msg("assistant", "Please confirm: a table for 2 at Farmhouse Kitchen in Oakland, today at 7 pm."),
    msg("user", "Yes."),
    call("r1", "ReserveRestaurant", { restaurant_name: "Farmhouse Kitchen", city: "Oakland", party_size: "2", time: "19:00" }),
    result("r1", '{"status":"error"}'),
    msg("assistant", "Sorry, 7 pm is full. Is 7:30 pm all right? Please confirm: a table for 2 today at 7:30 pm."),
    msg("user", "Sure."),
    call("r2", "ReserveRestaurant", { restaurant_name: "Farmhouse Kitchen", city: "Oakland", party_size: "2", time: "19:30" }),
    result("r2", '{"status":"ok"}'),
    msg("assistant", "Your table has been reserved. Is there anything else I can help you with?"),
    msg("user", "No, thank you!"),
  ];

  it("orders the agent's questions for values and its read-backs for confirmation around the tool calls", () => {
    const drafts = mineSkills(booking());
    expect(drafts).toHaveLength(1);
    const steps = drafts[0]!.steps;
    expect(steps.map((s) => (s.tool ? `call ${s.tool.name}` : s.text.startsWith("Confirm with the user:") ? "confirm" : `ask ${s.text}`))).toEqual([
      "ask Which city should I search in?",
      // The reply ("… something Thai") fills the next call's cuisine: the question that did not name it says so.
      "ask Ask for the cuisine: What kind of food do you like?",
      "call FindRestaurants",
      "ask At what time?",
      "ask For what date?",
      "confirm",
      "call ReserveRestaurant",
      "confirm",
      "call ReserveRestaurant",
    ]);
    // The offer ("How about …?", "Would you like me to …?") and the closing question are not steps.
    expect(steps.some((s) => /how about|would you like|anything else/i.test(s.text))).toBe(false);
    // The read-back keeps its details, with the values as parameters.
    expect(steps[5]!.text).toMatch(/^Confirm with the user: Please confirm: a table for \{[a-z_0-9]+\} at Farmhouse Kitchen/);
    // A failed call tried again with other values is a step, and the retry says when it applies.
    expect(steps[6]!.condition).toBeNull();
    expect(steps[8]!.condition).toBe("if the previous reserve restaurant failed");
  });

  it("keeps the calls only when asked to (dialogueSteps: false)", () => {
    expect(mineSkills(booking(), { dialogueSteps: false })[0]!.steps.map((s) => s.tool?.name)).toEqual(["FindRestaurants", "ReserveRestaurant", "ReserveRestaurant"]);
  });

  it("does not split a task where the user answers the agent's offer or asks for alternatives, even after a thank-you", () => {
    const messages = [
      msg("user", "Can you find me a salon in San Jose?"),
      call("p1", "FindProvider", { city: "San Jose" }),
      result("p1", '{"status":"ok"}'),
      msg("assistant", "Atelier Salon is a nice salon in San Jose."),
      msg("user", "That would be perfect. Could you suggest any other salon though?"),
      call("p2", "FindProvider", { city: "San Jose", offset: 1 }),
      result("p2", '{"status":"ok"}'),
      msg("assistant", "Bellarmine Barber Shop is another one. Would you like me to book an appointment there?"),
      msg("user", "Thanks, that sounds nice. Yes, please book me an appointment for 3 pm."),
      call("b1", "BookAppointment", { stylist_name: "Bellarmine Barber Shop", time: "15:00" }),
      result("b1", '{"status":"ok"}'),
    ];
    expect(mineSkills(messages).map((d) => d.steps.map((s) => s.tool?.name))).toEqual([["FindProvider", "FindProvider", "BookAppointment"]]);
  });

  it("still splits at a new task after the agent offers more help", () => {
    const messages = [
      msg("user", "Please transfer $40 to Maria."),
      call("t1", "TransferMoney", { amount: "40", recipient: "Maria" }),
      result("t1", '{"status":"ok"}'),
      call("t2", "CheckBalance", { account: "checking" }),
      result("t2", '{"status":"ok"}'),
      msg("assistant", "Done. Is there anything else I can help you with?"),
      msg("user", "Thanks! I also want to change my email address to [EMAIL_1]."),
      call("u1", "FindUser", { email: "[EMAIL_2]" }),
      result("u1", '{"user_id":"u_9"}'),
      call("u2", "UpdateUser", { user_id: "u_9", email: "[EMAIL_1]" }),
      result("u2", '{"ok":true}'),
    ];
    expect(mineSkills(messages).map((d) => d.steps.map((s) => s.tool?.name))).toEqual([
      ["TransferMoney", "CheckBalance"],
      ["FindUser", "UpdateUser"],
    ]);
  });
});

describe("the agent's dialogue acts", () => {
  it("tells a question for a value from an offer, a yes/no question and an offer of more help", () => {
    for (const q of ["What city are you in?", "Sure. When would you like to go?", "How many tickets do you need?", "Do you have a particular event in mind?", "Is there a type of event you prefer?", "Which account, checking or savings?", "Could you give me the name of the recipient?", "Please tell me what time the reservation is for."]) {
      expect(asksForInformation(q), q).toBe(true);
    }
    for (const q of ["How about Farmhouse Kitchen?", "Would you like me to book it?", "Do you want tickets?", "Is there anything else I can help you with?", "Would you like any other assistance?", "Do you interest to watch Auntie Mame or Dr. Strangelove?", "I found 4 restaurants."]) {
      expect(asksForInformation(q), q).toBe(false);
    }
  });

  it("tells a read-back for confirmation from a report that something is confirmed", () => {
    expect(asksToConfirm("Please confirm: a table for 2 at 7 pm.")).toBe(true);
    expect(asksToConfirm("You want 3 tickets to Fidlar next Monday. Is that correct?")).toBe(true);
    expect(asksToConfirm("To review, you need 3 tickets to the game.")).toBe(true);
    expect(asksToConfirm("Your reservation is confirmed.")).toBe(false);
    expect(asksToConfirm("Your appointment has been confirmed, and the rating is 4.8.")).toBe(false);
  });

  it("splits one question at each question word that opens a clause", () => {
    expect(splitQuestion("Where are you going, when are you leaving, and where are you leaving from?")).toEqual(["Where are you going", "when are you leaving", "where are you leaving from?"]);
    expect(splitQuestion("What date and time would you like?")).toEqual(["What date and time would you like?"]);
  });

  it("turns an agent's report of what it did into the step it was, and leaves descriptions alone", () => {
    expect(reportedOperation("I found 4 restaurants.", OPERATION_VERBS)).toBe("Find 4 restaurants.");
    expect(reportedOperation("Okay, I've purchased the tickets.", OPERATION_VERBS)).toBe("Purchase the tickets.");
    expect(reportedOperation("Your table has been reserved.", OPERATION_VERBS)).toBe("Reserve your table.");
    expect(reportedOperation("The transfer was successful.", OPERATION_VERBS)).toBe("Complete the transfer.");
    expect(reportedOperation("The venue is located at 24 Willie Mays Plaza.", OPERATION_VERBS)).toBeNull();
    expect(reportedOperation("I wanted to ask about the time.", OPERATION_VERBS)).toBeNull();
    expect(["booked", "reserved", "transferred", "logged", "added", "cancelled", "tried", "found"].map((v) => baseVerb(v, OPERATION_VERBS))).toEqual(["book", "reserve", "transfer", "log", "add", "cancel", "try", "find"]);
  });
});

describe("mineSkills: procedures in text", () => {
  it("reads a numbered list with a condition and parameterizes the values that vary", () => {
    const drafts = mineSkills([
      msg("user", "How do I reset my router password?"),
      msg("assistant", "Here is how:\n1. Open http://192.168.0.1 in a browser.\n2. Log in with the admin account.\n3. Go to Settings > Security and click 'Change password'.\n4. If the login fails, hold the reset button for 30 seconds."),
      msg("user", "Thanks, that worked!"),
    ]);
    expect(drafts).toHaveLength(1);
    const d = drafts[0]!;
    expect(d.name).toBe("reset-router-password");
    expect(d.steps.map((s) => s.text)).toEqual([
      "Open {url} in a browser.",
      "Log in with the admin account.",
      "Go to Settings > Security and click 'Change password'.",
      "Hold the reset button for {seconds} seconds.",
    ]);
    expect(d.steps[3]!.condition).toBe("the login fails");
    expect(d.parameters.properties).toEqual({ url: { type: "string" }, seconds: { type: "number" } });
    expect(checkDraft(d)).toEqual([]);
  });

  it("splits a user's first… then… finally instructions and keeps inline commands verbatim", () => {
    const drafts = mineSkills([msg("user", "To set up the project: first clone the repo from https://github.com/acme/app.git, then run `npm install`, and finally start it with npm run dev."), msg("assistant", "Got it.")]);
    expect(drafts).toHaveLength(1);
    expect(drafts[0]!.name).toBe("set-up-project");
    expect(drafts[0]!.steps.map((s) => s.text)).toEqual(["Clone the repo from {url}", "Run `npm install`", "Start it with npm run dev."]);
  });

  it("makes two skills of two how-tos asked one after the other", () => {
    const drafts = mineSkills([
      msg("user", "How do I reset my router?"),
      msg("assistant", "1. Unplug it for 30 seconds.\n2. Plug it back in.\n3. Wait for the lights to turn green."),
      msg("user", "Thanks, that worked! How do I set up a guest network?"),
      msg("assistant", "1. Open the admin page.\n2. Go to Wireless > Guest and switch it on.\n3. Save the settings."),
    ]);
    expect(drafts.map((d) => d.name)).toEqual(["reset-router", "set-up-guest-network"]);
    expect(drafts.map((d) => d.steps.length)).toEqual([3, 3]);
  });

  it("takes code blocks and shell lines as commands", () => {
    const drafts = mineSkills([
      msg("user", "How do I rotate the nginx logs by hand?"),
      msg("assistant", "Run these on the server:\n$ sudo logrotate -f /etc/logrotate.d/nginx\n```\nsudo systemctl reload nginx\n```"),
    ]);
    expect(drafts[0]!.steps.map((s) => s.text)).toEqual(["Run `sudo logrotate -f /etc/logrotate.d/nginx`", "Run `sudo systemctl reload nginx`"]);
  });

  it("follows an agent through a customer-service task: requests for data and announced operations, not greetings", () => {
    const drafts = mineSkills([
      msg("assistant", "Hi! How can I help you?"),
      msg("user", "Hi! I need to return an item, can you help me with that?"),
      msg("assistant", "sure, may I have your name please?"),
      msg("user", "[PERSON_1]"),
      msg("assistant", "ok, may I have your username, email address and order ID please?"),
      msg("user", "[EMAIL_1], order 3348917502"),
      msg("assistant", "one moment please"),
      msg("assistant", "Thanks! I'll send you a return label by email."),
      msg("assistant", "Is there anything else I can help you with?"),
      msg("user", "No, thanks!"),
    ]);
    expect(drafts).toHaveLength(1);
    expect(drafts[0]!.name).toBe("return-item");
    expect(drafts[0]!.steps.map((s) => s.text)).toEqual(["May I have your name please?", "May I have your username, email address and order ID please?", "I'll send you a return label by email."]);
  });

  it("turns masked PII placeholders into typed parameters, never keeping the placeholder", () => {
    const d = mineSkills([msg("user", "Steps for the weekly report:\n- Export the sheet to /reports/weekly.csv\n- Email it to [EMAIL_1] before 2026-12-04")])[0]!;
    expect(d.steps.map((s) => s.text)).toEqual(["Export the sheet to {path}", "Email it to {email} before {date}"]);
    expect(JSON.stringify(d)).not.toContain("[EMAIL_1]");
    expect(Object.keys(d.parameters.properties)).toEqual(["path", "email", "date"]);
  });

  it("keeps what must hold first as preconditions, not steps", () => {
    const d = mineSkills([
      msg("user", "How do I flash the router firmware?"),
      msg("assistant", "Before you start, back up your settings. Make sure the router is plugged into power.\n1. Download the firmware from https://vendor.example/fw.bin\n2. Open the admin page and click Upgrade.\n3. Check the version number after the reboot.\nYou need admin rights for this."),
    ])[0]!;
    expect(d.preconditions).toEqual(["Back up your settings.", "Make sure the router is plugged into power.", "You need admin rights for this."]);
    expect(d.steps.map((s) => s.text)).toEqual(["Download the firmware from {url}", "Open the admin page and click Upgrade.", "Check the version number after the reboot."]);
  });

  it("finds nothing in small talk, and the pre-check agrees", () => {
    const talk = [
      msg("user", "Hey, how are you?"),
      msg("assistant", "I'm great, thanks! How was your weekend?"),
      msg("user", "Went hiking with my dog, it was lovely. Then we had pizza."),
      msg("assistant", "That sounds wonderful! Let me know if you go again."),
      msg("user", "Haha thanks, have a good one"),
    ];
    expect(looksProcedural(talk)).toBe(false);
    expect(mineSkills(talk)).toEqual([]);
  });

  it("returns at most maxDrafts drafts (20 by default), the first ones", () => {
    const many: SkillMessage[] = [];
    for (let i = 0; i < 30; i++) many.push(msg("user", `Thanks! Also, how do I set up printer ${"abcdefghijklmnopqrstuvwxyz"[i % 26]}?`), msg("assistant", "1. Open the printer settings.\n2. Click Add printer."));
    expect(mineSkills(many)).toHaveLength(20);
    expect(mineSkills(many, { maxDrafts: 3 }).map((d) => d.source_message_ids[0])).toEqual([many[0]!.id, many[2]!.id, many[4]!.id]);
  });

  it("follows an agent without tools through a booking: its questions, its read-back and the operations it reports", () => {
    const drafts = mineSkills([
      msg("user", "I need a haircut. Can you find a salon?"),
      msg("assistant", "Sure thing. What city should I look in?"),
      msg("user", "Fremont, please."),
      msg("assistant", "I found 10 salons. Salon Valenti is a nice one in Fremont."),
      msg("user", "Great, book it for the 14th."),
      msg("assistant", "What time would you like to come?"),
      msg("user", "2 in the afternoon."),
      msg("assistant", "Just to confirm: an appointment at Salon Valenti on March 14th at 2 pm. Is that correct?"),
      msg("user", "Yes."),
      msg("assistant", "Your appointment has been booked."),
    ]);
    expect(drafts).toHaveLength(1);
    expect(drafts[0]!.steps.map((s) => s.text.replace(/\{[a-z_0-9]+\}/g, "{}"))).toEqual([
      "What city should I look in?",
      "Find {} salons.",
      "What time would you like to come?",
      "Confirm with the user: Just to confirm: an appointment at Salon Valenti on March {} at {} pm. Is that correct?",
      "Book your appointment.",
    ]);
  });

  it("needs minSteps steps", () => {
    const one = [msg("user", "How do I restart it?"), msg("assistant", "Restart the service with the power button.")];
    expect(mineSkills(one)).toEqual([]);
    expect(mineSkills(one, { minSteps: 1 })).toHaveLength(1);
  });
});

/** Answers from a script, recording every request (no LLM runs offline). */
class ScriptedLlm implements LLM {
  readonly id = "scripted";
  readonly requests: LlmRequest[] = [];
  constructor(private readonly script: Array<string | Error>) {}
  complete(req: LlmRequest): Promise<{ text: string }> {
    this.requests.push(structuredClone(req));
    const next = this.script.shift();
    if (next === undefined) return Promise.reject(new Error("script exhausted"));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve({ text: next });
  }
}

describe("mineSkillsWithLlm (fine mode)", () => {
  const convo = (): SkillMessage[] => [
    msg("user", "How do I add a DNS record for my domain?"),
    msg("assistant", "Open the DNS tab, click Add record, choose TXT, paste the value and save."),
    msg("user", "Done, thanks!"),
  ];
  const answer = (ids: string[], overrides: Record<string, unknown> = {}) =>
    JSON.stringify({
      skills: [
        {
          name: "add-dns-record",
          description: "Add a DNS record to a domain.",
          when_to_use: "When a user needs a new DNS record.",
          parameters: [{ name: "record_type", type: "string", description: "A, TXT, CNAME…", required: true }],
          steps: [
            { text: "Open the DNS tab.", tool: null, condition: null },
            { text: "Add a {record_type} record and save.", tool: "dns_api", condition: null },
          ],
          preconditions: ["Access to the domain's DNS"],
          examples: [],
          source_ids: ids,
          ...overrides,
        },
      ],
    });

  it("accepts a valid answer as drafts", async () => {
    const c = convo();
    const llm = new ScriptedLlm([answer([c[1]!.id])]);
    const r = await mineSkillsFine(c, llm);
    expect(r.outcome).toBe("ok");
    expect(r.drafts).toHaveLength(1);
    expect(r.drafts[0]!.steps[1]).toEqual({ text: "Add a {record_type} record and save.", tool: { name: "dns_api", arguments: {} }, condition: null });
    expect(r.drafts[0]!.parameters.required).toEqual(["record_type"]);
    expect(llm.requests[0]!.json_schema).toBeDefined();
  });

  it("repairs once when the answer breaks the draft rules (an undeclared placeholder), then accepts", async () => {
    const c = convo();
    const bad = answer([c[1]!.id], { parameters: [] });
    const llm = new ScriptedLlm([bad, answer([c[1]!.id])]);
    const r = await mineSkillsFine(c, llm);
    expect(r.outcome).toBe("retried");
    expect(r.errors[0]).toContain("placeholder {record_type} is not a declared parameter");
    expect(llm.requests[1]!.messages.at(-1)!.content).toContain("invalid");
  });

  it("falls back to the rule miner after two bad answers (not JSON, unknown source ids)", async () => {
    const c = convo();
    const llm = new ScriptedLlm(["sure! here are the skills", answer(["m-unknown"])]);
    const r = await mineSkillsFine(c, llm);
    expect(r.outcome).toBe("fallback");
    expect(r.errors).toHaveLength(2);
    expect(r.errors[1]).toContain("unknown message ids m-unknown");
    expect(r.drafts).toEqual(mineSkills(c));
  });

  it("falls back on a provider error by default, and rethrows it when asked", async () => {
    const c = convo();
    const fallback = await mineSkillsWithLlm(c, new ScriptedLlm([new ProviderError("scripted", "upstream 503")]));
    expect(fallback).toEqual(mineSkills(c));
    await expect(mineSkillsFine(c, new ScriptedLlm([new ProviderError("scripted", "upstream 503")]), { onProviderError: "throw" })).rejects.toThrow("upstream 503");
  });

  it("rejects a skill name that breaks the Agent Skills rule", async () => {
    const c = convo();
    const llm = new ScriptedLlm([answer([c[1]!.id], { name: "Add DNS Record" }), answer([c[1]!.id], { name: "add--dns" })]);
    const r = await mineSkillsFine(c, llm);
    expect(r.outcome).toBe("fallback");
    expect(r.errors.every((e) => e.includes("skills.0.name"))).toBe(true);
  });
});
