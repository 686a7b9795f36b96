// Procedural acts in chat text: ordered list items, "first… then… finally" sequences,
// imperative instructions, commands (code blocks, shell lines), requests for the data a task
// needs, details read back for confirmation, announced operations ("let me check your order")
// and decisions with their conditions.
import { isChitChat } from "../extraction/chitchat";
import { splitSentences } from "../extraction/sentences";
import { asksForInformation, asksToConfirm, offersFoundOption, reportedOperation, splitQuestion } from "./mine-agent-acts";

export type ActKind = "list" | "sequence" | "command" | "instruction" | "request" | "confirm" | "operation" | "offer" | "precondition";

export interface TextAct {
  kind: ActKind;
  text: string;
  condition: string | null;
}

/** Verbs of doing something to a system or an object: what instructions and announced operations use. */
export const OPERATION_VERBS: ReadonlySet<string> = new Set(
  (
    "add apply archive ask assign back backup book build call cancel clean clone collect compile contact change charge check choose clear click close commit configure confirm connect copy create " +
    "deactivate delete deploy disable download edit email enable enter escalate explain export fetch file fill filter find fix gather generate give go grant hold inform insert invite " +
    "install issue launch link locate lock log look make mark merge mount move navigate note notify offer open order paste pay pick place plug post press print process pull " +
    "push put reboot record refresh refund register reinstall reject reload remove rename renew repair replace request reset restart restore return review revoke " +
    "run save scan schedule search select send set share ship sign sort start stop submit swap switch sync take tap tell test transfer troubleshoot turn type uninstall unplug " +
    "retry try unlock update upgrade upload use validate verify wait wipe write reserve purchase buy play"
  ).split(" "),
);

/** Things a task needs from the person: a request for one of these is a step of the procedure. */
const DATA_NOUNS =
  /\b(?:name|e-?mail(?:\s+address)?|address|order(?:\s+(?:id|number))?|account(?:\s+(?:id|number))?|id|username|user\s*name|password|pin|zip(?:\s+code)?|postal\s+code|phone(?:\s+number)?|number|code|date|amount|price|cost|reason|membership(?:\s+level)?|level|receipt|card|payment\s+method|method|details|serial|model|version|file|path|url|link|key|token|ticket|reference|sku|item|product|brand|status|quantity|size|color|security\s+(?:question|answer)|birthday|date\s+of\s+birth)\b/i;

const FILLER_LEAD = /^(?:(?:ok(?:ay)?|sure|great|thanks(?:\s+so\s+much)?|thank\s+you|alright|all\s+right|perfect|so|and|well|now|yes|no|right|got\s+it|awesome|excellent|cool)\b[\s,.!:;-]*)+/i;
const SOCIAL =
  /\b(?:how\s+(?:can|may)\s+i\s+help|anything\s+else|something\s+else|have\s+a\s+(?:great|nice|good|wonderful|lovely)|you(?:'re|\s+are)\s+welcome|my\s+pleasure|a\s+pleasure|sorry|apologi[sz]e|one\s+moment|just\s+a\s+(?:moment|second|sec|minute)|please\s+(?:wait|hold)|hold\s+on|bear\s+with\s+me|glad\s+to\s+help|happy\s+to\s+help|hope\s+this\s+helps|take\s+care|good\s*(?:bye|night|morning|afternoon|evening))\b/i;
const REQUEST =
  /\b(?:you\s+(?:would|could|can|will)\s+(?:please\s+)?(?:give|provide|tell|send|share|confirm)|(?:may|can|could)\s+i\s+(?:please\s+)?(?:have|get|ask\s+for|ask|know|see|confirm)|(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:give|provide|tell|send|confirm|share|spell|verify|enter|type|read)|i(?:'d|\s+would|\s+will|'ll)?\s+(?:just\s+|also\s+)?(?:need|require)|what\s+(?:is|was|are)\s+(?:your|the)|please\s+(?:provide|give|send|share|confirm|tell|enter|type)|do\s+you\s+have\s+(?:your|the|a|an))\b/i;
const FIRST_PERSON_OP = /\b(?:let\s+me|i(?:'ll|\s+will|'m\s+going\s+to|\s+am\s+going\s+to|'ve|\s+have|\s+can|'m|\s+am|\s+just)|we(?:'ll|\s+will|'ve|\s+have))\s+(?:now\s+|just\s+|quickly\s+|also\s+|already\s+|gone\s+ahead\s+and\s+|go\s+ahead\s+and\s+)?([a-z]+)/i;
const SEQUENCE_SPLIT = /(?:[,;]\s*|\s+)(?:and\s+)?(?:then|after\s+that|afterwards|next|finally|lastly)\b[\s,]*/i;
const SEQUENCE_LEAD = /^(?:first(?:ly)?|to\s+start|to\s+begin|start\s+by|begin\s+by|second(?:ly)?|third(?:ly)?|then|next|after\s+that|afterwards|finally|lastly|last)\b[\s,:]*/i;
const LIST_ITEM = /^\s*(?:(\d{1,2})[.)]|[-*•])\s+(.+)$/;
const SHELL_LINE = /^\s*[$>]\s+(\S.*)$/;
const CONDITION = /^(?:if|when|in\s+case|once|unless)\s+(.{3,200}?)\s*(?:,\s*(?:then\s+)?|\s+then\s+)(.+)$/i;

/** "To set up the project: first clone…" → "first clone…": a purpose clause before a colon is the goal, not a step. */
const PURPOSE_LEAD = /^to\s+[a-z][^:]{2,80}:\s*/i;

function lead(s: string): string {
  return s.replace(FILLER_LEAD, "").replace(PURPOSE_LEAD, "").trim();
}

function firstWord(s: string): string {
  return (s.toLowerCase().match(/^[a-z]+/) ?? [""])[0]!;
}

function cap(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/** "Sorry, the reservation was not successful": the apology goes, the report stays. */
const APOLOGY_LEAD = /^(?:(?:i'?m|i\s+am|so|very)\s+)*(?:sorry|unfortunately)\b[\s,]*(?:but\s+)?(?=\S.{8,})/i;

/** "That did not go through, let me try again": a retry of the step before, not a step of its own. */
const RETRY_META = /\b(?:did(?:n't|\s+not)\s+(?:go\s+through|work)|failed|an\s+error)\b.*\b(?:try|retry|redo)\b/i;

/** What must hold before the steps: "Make sure the router is plugged in", "Before you start, back up the disk". */
const PRECONDITION = /^(?:(?:make\s+sure|ensure)\s+(?:that\s+)?(?!to\b|you\s+\w+\s+(?:the|a|an|your)\b)|before\s+(?:you\s+(?:start|begin)|starting|beginning)\b[\s,:]*|you(?:'ll|\s+will)?\s+need\s+(?!to\b)|you\s+must\s+have\b|(?:this\s+)?requires?\b|prerequisites?\b[\s:]*)/i;

/** "Can you log out and back in?": a polite request to do something is an instruction. */
const POLITE_IMPERATIVE = /^(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?|please\s+)([a-z]+)/i;

/** Whether `s` opens with an instruction verb ("Open the router page", "Please restart it", "You need to log out"). */
export function isImperative(s: string): boolean {
  const t = lead(s).replace(/^(?:please|just|now|simply|make\s+sure\s+(?:to|you))\s+/i, "").replace(/^you\s+(?:need|have|should|must|will\s+need)\s+to\s+/i, "");
  return OPERATION_VERBS.has(firstWord(t)) && !/\?\s*$/.test(s);
}

/** The operation verb a first-person sentence announces ("let me check…" → "check"), or null. */
function announced(s: string): string | null {
  const m = FIRST_PERSON_OP.exec(s);
  if (!m) return null;
  const v = m[1]!.toLowerCase();
  const base = v.replace(/(?:ed|ing)$/, "").replace(/ie$/, "y");
  for (const cand of [v, base, `${base}e`, v.replace(/ed$/, ""), v.replace(/d$/, "")]) if (OPERATION_VERBS.has(cand)) return cand;
  if (/^(?:pulled|sent|made|found|gone|run|set|put|given|taken)$/.test(v)) return v;
  return null;
}

/** One sentence as a procedural act, or null when it carries none. */
export function sentenceAct(raw: string, speaker: "user" | "assistant"): TextAct | null {
  const s = lead(raw.trim()).replace(APOLOGY_LEAD, "");
  if (s.length < 4 || RETRY_META.test(s)) return null;
  if (isChitChat(s)) {
    // "Reservation made.", "Movie playing.": short, but a report of the operation done.
    const report = speaker === "assistant" ? reportedOperation(s, OPERATION_VERBS) : null;
    return report ? { kind: "operation", text: report, condition: null } : null;
  }
  const cond = CONDITION.exec(s);
  if (cond) {
    const inner = sentenceAct(cond[2]!, speaker);
    if (inner && inner.condition === null) return { ...inner, condition: cond[1]!.trim() };
  }
  if (SOCIAL.test(s) && !REQUEST.test(s)) {
    // "one moment, I'll check our FAQ pages": the social clause goes, the rest may still act.
    const rest = s.split(/[,;]\s*|\s+-\s+/).filter((p) => p.trim() && !SOCIAL.test(p));
    return rest.length && rest.join(", ") !== s ? sentenceAct(rest.join(", "), speaker) : null;
  }
  const body = s.replace(SEQUENCE_LEAD, "");
  const pre = PRECONDITION.exec(body);
  if (pre && !/\?\s*$/.test(body)) {
    const rest = body.slice(pre[0].length).trim();
    // "Before you start, back up the disk": the clause after the lead-in is what must be done first.
    if (rest.length >= 3) return { kind: "precondition", text: cap(/^before/i.test(pre[0]) ? rest : body), condition: null };
  }
  if (isImperative(body)) return { kind: "instruction", text: cap(body), condition: null };
  const polite = POLITE_IMPERATIVE.exec(body);
  // Only an assistant's polite request is a step: a user's "can you reset it?" is the goal.
  if (speaker === "assistant" && polite && OPERATION_VERBS.has(polite[1]!.toLowerCase())) {
    return { kind: "instruction", text: cap(body), condition: null };
  }
  if (speaker === "assistant" && REQUEST.test(s) && DATA_NOUNS.test(s)) return { kind: "request", text: cap(s), condition: null };
  const report = speaker === "assistant" ? reportedOperation(s, OPERATION_VERBS) : null;
  if (report) return { kind: "operation", text: report, condition: null };
  if (speaker === "assistant" && announced(s) && !/\?\s*$/.test(s)) return { kind: "operation", text: cap(s), condition: null };
  return null;
}

/** The acts of one message, in order: list items, commands, then sentence by sentence (sequences split). */
export function messageActs(content: string, speaker: "user" | "assistant"): TextAct[] {
  const acts: TextAct[] = [];
  let prose: string[] = [];
  const flush = (): void => {
    const sentences = splitSentences(prose.join("\n"));
    prose = [];
    // An agent reading details back for approval: the message is one confirm step, its details included.
    if (speaker === "assistant" && sentences.some(asksToConfirm)) {
      const details = sentences.map((x) => lead(x)).filter((x) => x && !SOCIAL.test(x));
      acts.push({ kind: "confirm", text: `Confirm with the user: ${details.join(" ")}`, condition: null });
      return;
    }
    const start = acts.length;
    for (const sentence of sentences) {
      // An agent's question for values: one request per value asked for.
      if (speaker === "assistant" && asksForInformation(sentence)) {
        for (const q of splitQuestion(lead(sentence))) acts.push({ kind: "request", text: cap(/[?.]$/.test(q) ? q : `${q}?`), condition: null });
        continue;
      }
      // An option the agent found, put to the user: the search it stands for, once per message and
      // only where the message reports no operation of its own ("I found 4 restaurants. How about …?").
      if (speaker === "assistant" && offersFoundOption(sentence)) {
        if (!acts.slice(start).some((a) => a.kind === "operation" || a.kind === "offer")) acts.push({ kind: "offer", text: `Find and offer an option: ${cap(lead(sentence))}`, condition: null });
        continue;
      }
      // "Run these on the server:" introduces what follows; it is not a step itself.
      if (/:\s*$/.test(sentence)) continue;
      const parts = sentence.split(SEQUENCE_SPLIT).map((p) => p.trim()).filter(Boolean);
      const isSequence = parts.length > 1 || SEQUENCE_LEAD.test(lead(sentence));
      for (const part of parts) {
        const act = sentenceAct(part, speaker);
        if (act) acts.push(isSequence && act.kind === "instruction" ? { ...act, kind: "sequence" } : act);
      }
    }
  };
  const lines = content.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const structured = /^\s*(```|~~~)/.test(line) || SHELL_LINE.test(line) || LIST_ITEM.test(line);
    if (structured) flush();
    if (/^\s*(```|~~~)/.test(line)) {
      const fence = line.trim().slice(0, 3);
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i]!.trim().startsWith(fence); i++) code.push(lines[i]!);
      const body = code.join("\n").trim();
      if (body) acts.push({ kind: "command", text: code.length === 1 ? `Run \`${body}\`` : `Run:\n\`\`\`\n${body}\n\`\`\``, condition: null });
      continue;
    }
    const sh = SHELL_LINE.exec(line);
    if (sh) {
      acts.push({ kind: "command", text: `Run \`${sh[1]!.trim()}\``, condition: null });
      continue;
    }
    const li = LIST_ITEM.exec(line);
    if (li) {
      const item = li[2]!.trim().replace(/^\*\*(.+?)\*\*:?\s*/, "$1: ");
      if (!isChitChat(item)) {
        const cond = CONDITION.exec(item);
        acts.push(cond ? { kind: "list", text: cap(cond[2]!.trim()), condition: cond[1]!.trim() } : { kind: "list", text: cap(item), condition: null });
      }
      continue;
    }
    prose.push(line);
  }
  flush();
  return speaker === "assistant" ? foldAnnouncedAsks(acts) : acts;
}

/**
 * "Let me pull up your account. Who am I speaking with?": an agent announcing an operation and
 * asking for its input in the same message takes one step, the question part of the operation.
 */
function foldAnnouncedAsks(acts: TextAct[]): TextAct[] {
  const op = acts.findIndex((a) => a.kind === "operation");
  if (op < 0 || !acts.some((a) => a.kind === "request")) return acts;
  const asks = acts.filter((a) => a.kind === "request");
  const rest = acts.filter((a) => a.kind !== "request");
  const first = acts.findIndex((a) => a.kind === "request");
  const texts = first < op ? [...asks.map((a) => a.text), acts[op]!.text] : [acts[op]!.text, ...asks.map((a) => a.text)];
  return rest.map((a) => (a === acts[op] ? { ...a, kind: "request", text: texts.join(" ") } : a));
}

/** Whether a user message instructs (a list, a sequence, commands, or two instructions) rather than asks. */
export function userInstructs(acts: readonly TextAct[]): boolean {
  if (acts.some((a) => a.kind === "list" || a.kind === "sequence" || a.kind === "command")) return true;
  return acts.filter((a) => a.kind === "instruction").length >= 2;
}
