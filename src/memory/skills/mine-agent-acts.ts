// An agent's dialogue acts that are steps of a procedure without being commands: asking the user
// for a piece of information ("What city are you in?", "How many tickets?"), reading details back
// for the user to confirm ("Please confirm: a table for 2 at 6 pm") and reporting an operation it
// carried out ("I found 4 restaurants", "Your table has been reserved"). Language rules only, no
// domain's slot names.

/** Leading words that carry no act ("Sure.", "Okay, and …"). */
const LEAD = /^(?:(?:ok(?:ay)?|sure(?:\s+thing)?|surely|great|alright|all\s+right|yes|no\s+problem|of\s+course|certainly|absolutely|perfect|excellent|indeed|congrat(?:ulation)?s|so|and|well|now|then|also)\b[\s,.!:;-]*)+/i;

/** A question word that asks for a value: what, which, where, when, who, how many / much / long, at what … */
const WH =
  /^(?:(?:and|or|also)\s+)?(?:what|which|where|when|why|who|whom|whose|how\s+(?:many|much|long|old|far|soon|often)|(?:at|on|in|for|from|to|by|with)\s+(?:what|which|whom)|from\s+where)\b/i;

/** "How about X?", "What about X?": an offer, not a question for a value. */
const OFFER_WH = /^(?:how|what)\s+about\b/i;

/** "Anything else I can help with?": an offer of further service, not a request for information ("… or something else?" is a choice). */
const SERVICE = /\b(?:help|assist(?:ance)?|do\s+for\s+you)\b|(?<!\bor\s)\b(?:anything|something)\s+(?:else|more)\b|\bwhat\s+else\b/i;

/** "Do you have a particular X (in mind)?", "Is there a type of X you prefer?", "Any preferred X?" */
const PREFERENCE =
  /\b(?:specific|particular|preferred|preference|favou?rite|certain)\b|\bin\s+mind\b|^(?:is|are)\s+there\s+(?:a|an|an[y])\s+.*\byou(?:'d)?\s+(?:prefer|like|want|enjoy)\b/i;

/** A choice between plain categories ("checking or savings"), not between named offers ("Auntie Mame or Dr. Strangelove"). */
const CHOICE = /\b[a-z]{3,}\s+or\s+(?!not\b|something\b|anything\b|an[y]\b|other\b)[a-z]{3,}\b/;

/** "Please tell me how many …", "Let me know when …": an indirect question. */
const INDIRECT = /^(?:please\s+)?(?:(?:can|could|would)\s+you\s+(?:please\s+)?)?(?:tell\s+me|let\s+me\s+know|say)\s+(?:what|which|where|when|who|how\s+(?:many|much|long)|the|your)\b/i;

/** "Do you have a city?", "Do you know what event you need?": a yes/no question for a value. */
const HAVE_OR_KNOW = /^do\s+you\s+(?:have|know)\s+(?:a|an|which|what|where|when|who|how)\b/i;

/** "How many tickets do you want.": a question for a value written without its question mark. */
const WANT_WH = /\byou\b.*\b(?:want|need|like|prefer)\b/i;

/** "Could you give me …?", "May I have …?": a polite question for something the user knows. */
const POLITE_ASK = /^(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:give|tell|provide|send|share)\s+me|(?:may|can|could)\s+i\s+(?:please\s+)?(?:have|know|get|ask))\b/i;

function lead(s: string): string {
  return s.trim().replace(LEAD, "").trim();
}

/** Whether an agent's sentence offers further service ("Anything else I can help you with?"). */
export function offersMoreHelp(sentence: string): boolean {
  return SERVICE.test(lead(sentence));
}

/**
 * An agent putting a found option to the user: "How about Bazille?", "What about Breakthrough, JT
 * LeRoy or Searching for Sugar Man?", "There is a nice restaurant called …", "There are 4 flights …".
 * Without the search itself in view, the offer is what shows that a search was made.
 */
const FOUND_OFFER =
  /^(?:(?:how|what)\s+about\s+(?!you\b|it\b|that\b|this\b|now\b|then\b)\S|there(?:'s|\s+is|\s+are)\s+(?:also\s+)?(?:a|an|one|only|just|\d+)\b|(?:i\s+(?:can\s+)?see\s+(?:that\s+)?(?:there\s+(?:is|are)\s+)?|i\s+have\s+|found\s+|of\s+the\s+)(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\b)/i;

/** "For San Bruno, I recommend the Cut Right Barber shop": a recommendation wherever it stands in the sentence. */
const RECOMMENDS = /\bi\s+(?:would\s+|'d\s+|can\s+)?(?:recommend|suggest)\b/i;

/**
 * "Are you interested in Dc United Vs Revolution?", "Do you like Missing Link?", "Would you enjoy
 * watching Dumbo, Hellboy or Mad Max?": a named option (capitalized) put to the user as a question.
 * Case-sensitive: the sentence's first word is lowercased before the test.
 */
const NAMED_OFFER = /^(?:are\s+you\s+interested\s+in|would\s+you\s+(?:like|enjoy|prefer)|do\s+you\s+(?:like|want|interest\s+to)|how\s+would\s+you\s+like)\s+(?:(?:to\s+)?(?:watch|see|try|visit|attend|hear)(?:ing)?\s+)?(?:the\s+)?(?=[A-Z0-9])/;

/** Whether an agent's sentence offers an option it found. */
export function offersFoundOption(sentence: string): boolean {
  const s = lead(sentence);
  return (FOUND_OFFER.test(s) || RECOMMENDS.test(s) || NAMED_OFFER.test(s.replace(/^\w+/, (w) => w.toLowerCase()))) && !SERVICE.test(s);
}

/** Whether an agent's sentence asks the user for a piece of information (a value the task needs). */
export function asksForInformation(sentence: string): boolean {
  const s = lead(sentence);
  if (!s || SERVICE.test(s)) return false;
  if (INDIRECT.test(s)) return true;
  if (!/\?\s*$/.test(s)) return WH.test(s) && !OFFER_WH.test(s) && WANT_WH.test(s);
  if (HAVE_OR_KNOW.test(s)) return true;
  if (OFFER_WH.test(s)) return false;
  return WH.test(s) || PREFERENCE.test(s) || POLITE_ASK.test(s) || CHOICE.test(s);
}

/** Reading details back for the user to approve ("Please confirm: …", "… Is that correct?", "To review, …"). */
const CONFIRM_ASK =
  /\bconfirm\b|\bis\s+(?:that|this|it|everything)\s+(?:correct|right)\b|\bcan\s+you\s+tell\s+me\s+if\s+this\s+(?:is\s+)?right\b|\bto\s+review\b|\bdid\s+i\s+get\s+(?:that|it|everything)\s+right\b|\bgot\s+everything\s+(?:right|correctly)\b|\bkindly\s+ensure\b/i;
/** "Your booking is confirmed": a report of success, not a request to confirm. */
const CONFIRMED_REPORT = /\b(?:is|are|was|were|been|be)\s+(?:now\s+|successfully\s+|all\s+)?confirmed\b|\bconfirmation\s+(?:number|code|email)\b/i;

/**
 * A read-back without the word: "Just to make sure, you want 3 tickets …?", "Please check the details: …",
 * "So you want to buy 1 ticket for … ?", "You would like a taxi for 1 to … ?", "… at 2:30 pm, correct?".
 */
const READ_BACK =
  /\b(?:just\s+to|let\s+me)\s+make\s+sure\b|(?:^|\bplease\s+|\b(?:can|could)\s+you\s+(?:please\s+)?)(?:check|verify|review)\s+(?:the|these|your)\s+details\b|^(?:so,?\s+)?you(?:'d|\s+would)?\s+(?:want|wish|like|need)\b.*\?\s*$|\b(?:correct|right)\s*\?\s*$/i;

/** Whether an agent's sentence asks the user to confirm details before the agent acts. */
export function asksToConfirm(sentence: string): boolean {
  const s = lead(sentence);
  return (CONFIRM_ASK.test(s) || READ_BACK.test(s)) && !CONFIRMED_REPORT.test(s);
}

/**
 * One question asking for several values, split at each question word that opens a clause:
 * "What date and what city would you like?" → "What date", "what city would you like?".
 */
export function splitQuestion(sentence: string): string[] {
  const parts = sentence.split(/(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)(?=(?:(?:at|on|in|for|from|to|by|with)\s+)?(?:what|which|where|when|who|how\s+(?:many|much))\b)/i);
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Irregular past forms of the verbs agents report with. */
const IRREGULAR: Readonly<Record<string, string>> = {
  found: "find", made: "make", sent: "send", got: "get", gotten: "get", bought: "buy", paid: "pay", told: "tell", given: "give",
  taken: "take", put: "put", set: "set", run: "run", done: "do", held: "hold", brought: "bring", kept: "keep", sold: "sell", shown: "show", written: "write",
};
/** Past forms that report a state of mind, not an operation ("I wanted", "I noticed"). */
const STATIVE = new Set("wanted needed hoped liked loved preferred noticed wondered seemed meant tried asked understood heard thought".split(" "));
/** Verbs that report a completed transaction in the passive ("your tickets are booked"); "is located" is a description. */
const COMPLETED = "booked|reserved|scheduled|placed|made|sent|transferred|cancell?ed|ordered|paid|purchased|bought|processed|submitted|updated|created|added|removed|refunded|issued";

/** The base form of a past verb: found → find, booked → book, reserved → reserve, transferred → transfer. */
export function baseVerb(past: string, known: ReadonlySet<string>): string {
  const v = past.toLowerCase();
  const irregular = IRREGULAR[v];
  if (irregular) return irregular;
  if (v.endsWith("ied")) return `${v.slice(0, -3)}y`;
  if (known.has(v.slice(0, -1))) return v.slice(0, -1);
  const stem = v.slice(0, -2);
  // transferred → transfer, logged → log; added, called, passed keep their double letter.
  if (stem.length >= 4 && /([b-df-hj-np-tv-z])\1$/.test(stem) && (!/(?:ll|ss|dd)$/.test(stem) || /[^aeiou]ell$/.test(stem))) return stem.slice(0, -1);
  // reserved → reserve, located → locate, scheduled → schedule, placed → place, changed → change.
  return /(?:v|at|as|us|c|[^g]g|u|ur|ir|iz|ul|[bcdfgkpt]l|rs)$/.test(stem) ? `${stem}e` : stem;
}

/** "I was unable to reserve the tickets", "I couldn't book it": an operation tried that the service refused. */
const FAILED = /^(?:sorry,?\s+)?(?:(?:but\s+)?(?:it\s+(?:looks|seems)\s+like\s+|it\s+appears\s+that\s+)?i\s+(?:was|am|'m)\s+(?:not\s+able|unable)|i\s+(?:was\s*n[o']t|wasn't)\s*able|i\s+(?:could\s*n[o']t|couldn't|can't|cannot))\s+(?:to\s+)?([a-z]+)\b\s*(.*)$/i;
/** "The reservation was not successful", "Reservation made.", "Transaction completed.", "Your transfer has gone through". */
const OUTCOME =
  /^((?:(?:your|the|this|that)\s+)?(?:[a-z']+\s+){0,2}?[a-z']+?)\s+(?:(?:is|are|was|were|has\s+been|have\s+been)\s+(?:not\s+|un)?successful|(?:has|have)\s+(?:gone|went)\s+through|went\s+through|(?:(?:is|are|was|were|has\s+been|have\s+been)\s+)?(?:made|completed|done|booked|reserved|confirmed|placed|processed|complete))$/i;
/** "You have successfully made the reservation", "You now have a reservation for the event". */
const YOU_HAVE = /^you(?:'ve|\s+have)\s+(?:now\s+|successfully\s+|just\s+)*(made|booked|reserved|placed|purchased|bought|scheduled|ordered)\s+(.+)$|^you\s+now\s+have\s+((?:a|an|your)\s+.+)$/i;
/** "The movie is starting now", "It is now playing", "Now playing the movie": something started for the user. */
const STARTED = /^(?:(?:(?:the|your)\s+)?([a-z]+)\s+(?:(?:is|has)\s+)?(?:now\s+)?(?:started\s+)?(?:playing|starting|streaming|started)\b|(?:now\s+)?(?:playing|streaming)\s+(?:the\s+|your\s+)?([a-z]+)\b)/i;
/** "It's done", "Its done", "All done": the task reported finished. */
const ALL_DONE = /^(?:it(?:'s|s|\s+is)\s+(?:all\s+)?(?:done|complete|finished)|all\s+(?:done|set))$/i;

const FIRST_PERSON_PAST = /^(?:i|we)(?:'ve|\s+have)?\s+(?:(?:just|now|already|successfully|also)\s+)*([a-z]+ed|found|made|sent|got|bought|paid|put|set)\b\s*(.*)$/i;
const PASSIVE = new RegExp(
  `^((?:your|the|this|that)\\s+(?:[a-z']+\\s+){0,3}?[a-z']+)\\s+(?:(?:has|have)\\s+been|is|are|was|were)\\s+(?:(?:now|successfully|all)\\s+)*(${COMPLETED})\\b`,
  "i",
);

/** "Your transfer is successful", "The reservation has been confirmed": the task reported done. */
const SUCCESS = /^((?:your|the)\s+(?:[a-z']+\s+){0,2}?[a-z']+)\s+(?:is|are|was|were|has\s+been|have\s+been)\s+(?:now\s+|all\s+)?(?:successful(?:ly\s+(?:completed|made|booked))?|complete(?:d)?|done|confirmed|finished)\b/i;

function capFirst(s: string): string {
  return s ? `${s[0]!.toUpperCase()}${s.slice(1)}` : s;
}

/**
 * An agent's report of an operation it carried out, as the step it was: "I found 4 restaurants"
 * → "Find 4 restaurants.", "Your table has been reserved" → "Reserve your table.", "Your transfer
 * is successful" → "Complete your transfer."; null otherwise.
 */
export function reportedOperation(sentence: string, known: ReadonlySet<string>): string | null {
  const s = lead(sentence).replace(/[.!]+$/, "");
  const first = FIRST_PERSON_PAST.exec(s);
  if (first && !STATIVE.has(first[1]!.toLowerCase())) return `${capFirst(baseVerb(first[1]!, known))}${first[2] ? ` ${first[2]}` : ""}.`;
  const passive = PASSIVE.exec(s);
  if (passive) return `${capFirst(baseVerb(passive[2]!, known))} ${passive[1]!.toLowerCase()}.`;
  const done = SUCCESS.exec(s);
  if (done) return `Complete ${done[1]!.toLowerCase()}.`;
  if (ALL_DONE.test(s)) return "Complete the request.";
  const failed = FAILED.exec(s);
  if (failed && known.has(failed[1]!.toLowerCase())) return `${capFirst(failed[1]!.toLowerCase())}${failed[2] ? ` ${failed[2]}` : ""}.`;
  const outcome = OUTCOME.exec(s);
  if (outcome && !/^(?:it|its|that|this|which|who|everything|all)$/i.test(outcome[1]!)) return `Complete ${/^(?:your|the|this|that)\b/i.test(outcome[1]!) ? "" : "the "}${outcome[1]!.toLowerCase()}.`;
  const you = YOU_HAVE.exec(s);
  if (you) return you[1] ? `${capFirst(baseVerb(you[1], known))} ${you[2]!}.` : `Get ${you[3]!}.`;
  const started = STARTED.exec(s);
  if (started) return `Start the ${(started[1] ?? started[2]!).toLowerCase().replace(/^it$/, "playback")}.`;
  return null;
}
