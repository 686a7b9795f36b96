// Fast (rule-based) Mem2Skill: finds procedural fragments in a conversation (tool-call sequences
// that reached their goal, ordered lists, "first… then… finally" sequences, commands, requests
// and operations of an agent working through a task) and structures each into a skill draft.
import { lexicalSignature, lexicalSimilarity } from "../dedup/lexical";
import { splitSentences } from "../extraction/sentences";
import { normalizeForHash } from "../text";
import { ParamCollector } from "./mine-params";
import { goalSentence, kebab, skillName, verbObject } from "./mine-name";
import { asksForInformation, asksToConfirm, offersMoreHelp } from "./mine-agent-acts";
import { messageActs, userInstructs, type TextAct } from "./mine-text";
import { humanizeKey, namesKey, tieQuestions } from "./mine-ties";
import type { SkillDraft, SkillMessage, SkillStep } from "./types";
import { placeholdersOfDraft, SKILL_LIMITS } from "./validate";

export interface MineOptions {
  /** Fewest steps a fragment needs to become a skill (default 2). */
  minSteps?: number;
  /**
   * Beside tool calls, make steps of the agent's questions for values and read-backs for
   * confirmation, in conversation order (default true); false keeps the calls only.
   */
  dialogueSteps?: boolean;
  /** Most drafts one call returns, the first in the conversation kept (default MINE_MAX_DRAFTS). */
  maxDrafts?: number;
}

/** Drafts one call returns at most: a pathological conversation cannot flood the cube. */
export const MINE_MAX_DRAFTS = 20;

/** What a step was mined as: a tool call, or one of the text acts. */
export type MinedStepKind = "tool" | TextAct["kind"];

/** A draft with where each step came from: the message it was mined from and as what (for measurement; not stored). */
export interface TracedDraft {
  draft: SkillDraft;
  /** One per step: the id of the message the step was mined from. */
  step_sources: string[];
  /** One per step: the act the step was mined as. */
  step_kinds: MinedStepKind[];
}

/** A user turn that opens another task: the fragment before it is complete. */
const NEW_TASK = /\b(?:also|another\s+(?:thing|question|issue|problem|order)|one\s+more\s+(?:thing|question)|separately|next\s+question|different\s+question|unrelated)\b/i;
/** "Any other restaurant?", "other dates": asking for alternatives within the task, not another task. */
const ALTERNATIVES = /\b(?:an[y]|some)\s+(?:other|more)\b|\b(?:other|another|different)\s+(?!thing|question|issue|problem|order|task|request)[a-z]+/i;
/** A user turn that says the goal was reached. */
const CONFIRMS = /\b(?:thanks|thank\s+you|thx|ty|perfect|that\s+worked|it\s+works|works\s+now|solved|fixed|awesome|appreciate|great|that'?s\s+all|done)\b/i;
const ERROR_RESULT = /^\s*(?:error|failed|failure|exception|traceback|fatal)\b|^\s*\{\s*"(?:error|errors)"\s*:/i;

interface Call {
  id: string;
  name: string;
  args: Record<string, unknown>;
  message_id: string;
  result_id: string | null;
  ok: boolean | null;
  index: number;
  /** Failed, then tried again with other arguments: kept as an attempt. */
  failedAttempt?: boolean;
  /** Made right after the user approved the agent's read-back of its details. */
  approved: boolean;
}

function parseArgs(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text || "{}");
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function isErrorResult(content: string): boolean {
  if (ERROR_RESULT.test(content)) return true;
  try {
    const v: unknown = JSON.parse(content);
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return (o.error !== undefined && o.error !== null && o.error !== false) || o.status === "error" || o.ok === false || o.success === false;
    }
  } catch {
    // Not JSON: only the prefix rule applies.
  }
  return false;
}

function humanize(tool: string): string {
  const t = tool.replace(/[_\-.:]+/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").trim().toLowerCase();
  return t ? t[0]!.toUpperCase() + t.slice(1) : tool;
}

/**
 * Splits a conversation where the user asks for another task once the current one made progress
 * (tool calls, or procedural acts in the text): at a request with "also / another / one more…",
 * or at any request right after the user confirmed the previous task ("thanks, that worked").
 */
function segments(messages: readonly SkillMessage[], minSteps: number): SkillMessage[][] {
  const out: SkillMessage[][] = [];
  let cur: SkillMessage[] = [];
  let calls = 0;
  let acts = 0;
  let confirmed = false;
  // The agent's last words asked the user something about the task (an offer, a value, a read-back):
  // the user's next turn answers it rather than opening another task.
  let agentAsked = false;
  // … and in particular asked for a value ("When are you coming back?"): the reply answers it even
  // where it adds more ("On the 14th. I also prefer Economy class.").
  let agentAskedValue = false;
  for (const m of messages) {
    if (m.role === "user" && (calls > 0 || acts >= minSteps)) {
      const isRequest = (t: string) => verbObject(t) !== null || /^\s*how\s+(?:do|can|should)\s+i\b/i.test(t);
      const sentences = splitSentences(m.content);
      const thanksAt = sentences.findIndex((t) => CONFIRMS.test(t));
      // "I also have the order number" is an answer; "I also want to change my email" opens a task,
      // as does "Thanks, that worked! How do I…" (a request after the confirmation).
      const newTask = NEW_TASK.test(m.content);
      const continues = agentAskedValue || ((agentAsked || ALTERNATIVES.test(m.content)) && !newTask);
      const opens = !continues && ((isRequest(m.content) && (newTask || confirmed)) || (thanksAt >= 0 && sentences.slice(thanksAt + 1).some(isRequest)));
      if (opens) {
        out.push(cur);
        cur = [];
        calls = 0;
        acts = 0;
      }
    }
    cur.push(m);
    if (m.tool_calls.length) calls += m.tool_calls.length;
    else if (m.role === "assistant") acts += messageActs(m.content, "assistant").length;
    if (m.role === "user") confirmed = CONFIRMS.test(m.content) && !NEW_TASK.test(m.content);
    if (m.tool_calls.length) agentAsked = agentAskedValue = false;
    else if (m.role === "assistant" && m.content.trim()) {
      const sentences = splitSentences(m.content);
      agentAsked = sentences.some((t) => (/\?\s*$/.test(t) && !offersMoreHelp(t)) || asksToConfirm(t));
      agentAskedValue = sentences.some(asksForInformation);
    }
  }
  if (cur.length) out.push(cur);
  return out;
}

/** "No, make it 4 pm", "Actually…", "… instead": a reply that changes the details read back rather than approving them. */
const CHANGES = /^\s*(?:no|nope|not|actually|wait|hold\s+on|change)\b|\binstead\b/i;

/**
 * The tool calls of a segment in order, immediate repeats folded. A failed call is dropped unless it
 * is tried again with other values ("7:15 is full, try 7:30") or was the action the user approved on
 * a read-back of its details: the agent then carried the procedure out as agreed and the service
 * refused ("sold out"), which still shows the procedure. The goal counts as reached when the last
 * call succeeded, the user confirmed afterwards, or the last call was such an approved action.
 */
function successfulCalls(seg: readonly SkillMessage[]): { calls: Call[]; reached: boolean } {
  const calls: Call[] = [];
  const byId = new Map<string, Call>();
  let confirmedAfterLast = false;
  // The agent read details back for approval, and the user's reply (approving or not) since.
  let readBack = false;
  let approved = false;
  let index = 0;
  for (const m of seg) {
    if (m.role === "assistant") {
      for (const c of m.tool_calls) {
        const call: Call = { id: c.id, name: c.name, args: parseArgs(c.arguments), message_id: m.id, result_id: null, ok: null, index: index++, approved };
        calls.push(call);
        byId.set(c.id, call);
      }
      if (m.tool_calls.length) {
        confirmedAfterLast = false;
        approved = false;
      } else if (m.content.trim()) {
        readBack = splitSentences(m.content).some(asksToConfirm);
        approved = false;
      }
    } else if (m.role === "tool" && m.tool_call_id) {
      const call = byId.get(m.tool_call_id);
      if (call) {
        call.result_id = m.id;
        call.ok = !isErrorResult(m.content);
      }
    } else if (m.role === "user") {
      if (calls.length && CONFIRMS.test(m.content)) confirmedAfterLast = true;
      approved = readBack && !CHANGES.test(m.content);
      readBack = false;
    }
  }
  if (!calls.length) return { calls: [], reached: false };
  const last = calls[calls.length - 1]!;
  const reached = last.ok !== false || confirmedAfterLast || last.approved;
  const kept: Call[] = [];
  const same = (a: Call, b: Call): boolean => a.name === b.name && JSON.stringify(a.args) === JSON.stringify(b.args);
  for (const [i, c] of calls.entries()) {
    if (c.ok === false) {
      // Retried as it was, or neither retried with other values nor approved, a failed call is noise.
      const later = calls.slice(i + 1).filter((n) => n.name === c.name);
      if (later.some((n) => same(n, c)) || !(c.approved || later.some((n) => !same(n, c)))) continue;
      c.failedAttempt = later.length > 0;
    }
    const prev = kept[kept.length - 1];
    if (prev && same(prev, c)) continue;
    kept.push(c);
  }
  return { calls: kept, reached };
}

function clip(s: string, max: number = SKILL_LIMITS.text_max): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function finish(base: Omit<SkillDraft, "parameters">, params: ParamCollector): SkillDraft {
  const draft: SkillDraft = { ...base, parameters: { type: "object", properties: {}, required: [], additionalProperties: false } };
  draft.parameters = params.schema(placeholdersOfDraft(draft));
  return draft;
}

function describe(name: string, steps: readonly SkillStep[]): string {
  const short = (t: string): string => {
    const ws = t.replace(/[.?!]+$/, "").split(/\s+/);
    if (ws.length <= 8) return ws.join(" ");
    // Cut at 8 words, never on a dangling "and", "the", "your"…
    const cut = ws.slice(0, 8);
    while (cut.length > 3 && /^(?:and|or|the|a|an|your|my|to|of|for|with|in|on|at|if|you'd|you|i)$/i.test(cut[cut.length - 1]!.replace(/[,;:]$/, ""))) cut.pop();
    return `${cut.join(" ").replace(/[,;:]$/, "")}…`;
  };
  const gist = steps.slice(0, 6).map((s) => (s.tool ? humanize(s.tool.name) : short(s.text)));
  return clip(`${humanize(name)} in ${steps.length} steps: ${gist.join("; ")}${steps.length > 6 ? "; …" : ""}.`, SKILL_LIMITS.description_max);
}

function whenToUse(goal: string | null): string {
  return goal ? clip(`When a user asks: "${goal.trim()}"`) : "";
}

/** The agent's questions for values and read-backs for confirmation: steps between the tool calls. */
function dialogueActs(m: SkillMessage): TextAct[] {
  return m.content ? messageActs(m.content, "assistant").filter((a) => a.kind === "request" || a.kind === "confirm") : [];
}

function toolDraft(seg: readonly SkillMessage[], minSteps: number, withDialogue: boolean): TracedDraft | null {
  const { calls, reached } = successfulCalls(seg);
  if (!reached || !calls.length) return null;
  const params = new ParamCollector();
  const byMessage = new Map<string, Call[]>();
  for (const c of calls) byMessage.set(c.message_id, [...(byMessage.get(c.message_id) ?? []), c]);
  const steps: SkillStep[] = [];
  const sources: string[] = [];
  const kinds: MinedStepKind[] = [];
  const ids = new Set<string>();
  let prevAct: TextAct | null = null;
  const position = new Map(seg.map((m, i) => [m.id, i]));
  const taken = new Set<string>();
  // In conversation order: what the agent asks or reads back, then the calls of that message.
  for (const [i, m] of seg.entries()) {
    if (m.role !== "assistant") continue;
    const acts = withDialogue ? dialogueActs(m) : [];
    const keys = questionKeys(acts, seg, i, calls, position, taken);
    for (const [j, a] of acts.entries()) {
      if (prevAct && sameAct(prevAct, a)) continue;
      prevAct = a;
      const text = params.parameterize(a.text);
      // A question that does not name the parameter its answer fills says which one it is.
      const key = keys[j];
      steps.push({ text: clip(key && !namesKey(a.text, key) ? `Ask for the ${humanizeKey(key)}: ${text}` : text), tool: null, condition: null });
      sources.push(m.id);
      kinds.push(a.kind);
      ids.add(m.id);
    }
    for (const c of byMessage.get(m.id) ?? []) {
      prevAct = null;
      const args = params.parameterizeArgs(c.args);
      const shown = Object.entries(args).filter(([, v]) => typeof v === "string" && /^\{[a-z][a-z0-9_]*\}$/.test(v)).map(([k, v]) => `${k} ${String(v)}`);
      const retry = calls.some((f) => f.failedAttempt && f.name === c.name && f.index < c.index && !c.failedAttempt);
      const condition = retry ? clip(`if the previous ${humanize(c.name).toLowerCase()} failed`) : null;
      steps.push({ text: clip(`${humanize(c.name)}${shown.length ? ` (${shown.join(", ")})` : ""}.`), tool: { name: c.name, arguments: args }, condition });
      sources.push(c.message_id);
      kinds.push("tool");
      ids.add(c.message_id);
      if (c.result_id) ids.add(c.result_id);
    }
  }
  if (steps.length < minSteps) return null;
  steps.splice(SKILL_LIMITS.steps_max);
  const goal = goalSentence(seg);
  const name = skillName(goal, [calls[0]!.name, calls[calls.length - 1]!.name]);
  const goalMsg = goal ? seg.find((m) => m.role === "user" && m.content.includes(goal)) : undefined;
  if (goalMsg) ids.add(goalMsg.id);
  const draft = finish(
    {
      name,
      description: describe(name, steps),
      when_to_use: whenToUse(goal),
      steps,
      preconditions: [],
      examples: goal ? [clip(goal.trim())] : [],
      source_message_ids: [...ids],
    },
    params,
  );
  return { draft, step_sources: sources.slice(0, steps.length), step_kinds: kinds.slice(0, steps.length) };
}

/**
 * The call parameter each of an agent turn's questions asks for (null for read-backs and unclear
 * ones): the user's next reply, looked up in the arguments of the calls after it.
 */
function questionKeys(acts: readonly TextAct[], seg: readonly SkillMessage[], at: number, calls: readonly Call[], position: ReadonlyMap<string, number>, taken: Set<string>): Array<string | null> {
  const asks = acts.flatMap((a, j) => (a.kind === "request" ? [j] : []));
  const reply = seg.findIndex((m, k) => k > at && m.role === "user");
  const out: Array<string | null> = acts.map(() => null);
  if (!asks.length || reply < 0) return out;
  const later = calls.filter((c) => (position.get(c.message_id) ?? -1) > reply).map((c) => ({ index: c.index, args: c.args }));
  const ties = tieQuestions(asks.map((j) => acts[j]!.text), seg[reply]!.content, later, taken);
  for (const [n, t] of ties.entries()) {
    if (!t) continue;
    out[asks[n]!] = t.key;
    taken.add(`${t.call}:${t.key}`);
  }
  return out;
}

function sameAct(a: TextAct, b: TextAct): boolean {
  if (normalizeForHash(a.text) === normalizeForHash(b.text)) return true;
  return lexicalSimilarity(lexicalSignature(a.text), lexicalSignature(b.text), 2) >= 0.8;
}

function textDraft(seg: readonly SkillMessage[], minSteps: number, hasTools: boolean): TracedDraft | null {
  const acts: Array<TextAct & { message_id: string }> = [];
  // An option offered after the user asked for alternatives is the same search's next result, not another search.
  let askedAlternatives = false;
  for (const m of seg) {
    if (m.role !== "assistant" && m.role !== "user") continue;
    const found = messageActs(m.content, m.role);
    if (m.role === "user") askedAlternatives = ALTERNATIVES.test(m.content);
    const kept = m.role === "user" ? (userInstructs(found) ? found.filter((a) => a.kind !== "request" && a.kind !== "operation" && a.kind !== "offer") : []) : found.filter((a) => a.kind !== "offer" || !askedAlternatives);
    for (const a of kept) {
      const prev = acts[acts.length - 1];
      if (prev && sameAct(prev, a)) continue;
      acts.push({ ...a, message_id: m.id });
    }
  }
  // Beside tool calls, an agent's requests and announcements only gather the calls' inputs: an
  // explicit list or command is what still makes a separate procedure.
  const preconditions = [...new Set(acts.filter((a) => a.kind === "precondition").map((a) => a.text))].slice(0, SKILL_LIMITS.preconditions_max);
  const stepActs = acts.filter((a) => a.kind !== "precondition");
  const used = hasTools ? stepActs.filter((a) => a.kind === "list" || a.kind === "command" || a.kind === "sequence") : stepActs;
  if (used.length < minSteps) return null;
  const params = new ParamCollector();
  const steps: SkillStep[] = used.slice(0, SKILL_LIMITS.steps_max).map((a) => ({
    text: clip(params.parameterize(a.text)),
    tool: null,
    condition: a.condition === null ? null : clip(params.parameterize(a.condition)),
  }));
  // Preconditions keep their wording: instantiate fills steps only.
  const pre = preconditions.map((p) => clip(p));
  const goal = goalSentence(seg);
  const first = verbObject(`please ${steps[0]!.text.replace(/\{[a-z0-9_]+\}|`[^`]*`/g, " ")}`) ?? (steps[0]!.text.toLowerCase().match(/[a-z]+/g) ?? []).slice(0, 3);
  const name = skillName(goal, first);
  const ids = new Set<string>();
  const goalMsg = goal ? seg.find((m) => m.role === "user" && m.content.includes(goal)) : undefined;
  if (goalMsg) ids.add(goalMsg.id);
  for (const a of used) ids.add(a.message_id);
  const draft = finish(
    {
      name,
      description: describe(name, steps),
      when_to_use: whenToUse(goal),
      steps,
      preconditions: pre,
      examples: goal ? [clip(goal.trim())] : [],
      source_message_ids: [...ids],
    },
    params,
  );
  const kept = used.slice(0, steps.length);
  return { draft, step_sources: kept.map((a) => a.message_id), step_kinds: kept.map((a) => a.kind) };
}

/** Cheap pre-check: does anything here look like a procedure (tool calls, a list of steps, a sequence, commands, an agent working through a task)? */
export function looksProcedural(messages: SkillMessage[]): boolean {
  let acts = 0;
  for (const m of messages) {
    if (m.tool_calls.length) return true;
    if (m.role !== "assistant" && m.role !== "user") continue;
    const found = messageActs(m.content, m.role);
    acts += m.role === "user" ? (userInstructs(found) ? found.length : 0) : found.length;
    if (acts >= 2) return true;
  }
  return false;
}

/** Mines skill drafts from a conversation with rules only: fast, offline, deterministic. */
export function mineSkills(messages: SkillMessage[], opts: MineOptions = {}): SkillDraft[] {
  return mineSkillsTraced(messages, opts).map((t) => t.draft);
}

/** `mineSkills`, with the message and act each step was mined from. */
export function mineSkillsTraced(messages: SkillMessage[], opts: MineOptions = {}): TracedDraft[] {
  const minSteps = Math.max(1, opts.minSteps ?? 2);
  const out: TracedDraft[] = [];
  const maxDrafts = Math.max(0, opts.maxDrafts ?? MINE_MAX_DRAFTS);
  for (const seg of segments(messages, minSteps)) {
    if (out.length >= maxDrafts) break;
    const tool = toolDraft(seg, minSteps, opts.dialogueSteps ?? true);
    if (tool) out.push(tool);
    const text = textDraft(seg, minSteps, seg.some((m) => m.tool_calls.length > 0));
    if (text) out.push(text);
  }
  out.splice(maxDrafts);
  // Two drafts of one conversation never share a name: the second gets a suffix.
  const seen = new Set<string>();
  for (const { draft: d } of out) {
    let name = d.name;
    for (let i = 2; seen.has(name); i++) name = kebab([d.name.slice(0, 60), String(i)]);
    d.name = name;
    seen.add(name);
  }
  return out;
}
