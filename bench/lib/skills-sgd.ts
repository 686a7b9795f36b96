// bench:skills real set: Schema-Guided Dialogue (SGD, Google, CC BY-SA 4.0) dialogues as chat
// messages in the two variants, their reference procedure from the system acts, the step matcher,
// the dev / held-out split, and the converter from the transcription (raw/sgd-turns.txt).
// Rerun with `npx tsx bench/lib/skills-sgd.ts` to rewrite bench/data/skills/sgd-sample.json.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { MinedStepKind } from "../../src/memory/skills/mine.ts";
import type { SkillMessage, SkillStep } from "../../src/memory/skills/types.ts";
import { terms } from "../../src/memory/text.ts";
import type { Variant } from "./skills-data.ts";
import type { StepMatcher } from "./skills-metrics.ts";

export interface SgdAction {
  act: string;
  slot: string;
  values: string[];
}

export interface SgdTurn {
  speaker: "USER" | "SYSTEM";
  utterance: string;
  /** System turns only: the annotated dialogue acts. */
  actions?: SgdAction[];
  /** System turns only: the backend call the system made at this turn. */
  service_call?: { method: string; parameters: Record<string, string> };
}

export interface SgdDialogue {
  dialogue_id: string;
  services: string[];
  turns: SgdTurn[];
}

export interface SgdFixture {
  source: string;
  license: string;
  dialogues: SgdDialogue[];
}

export const SGD_PATH = path.join(import.meta.dirname, "..", "data", "skills", "sgd-sample.json");
export const SGD_RAW_PATH = path.join(import.meta.dirname, "..", "data", "skills", "raw", "sgd-turns.txt");

/** The files of the dev set (first 7 dialogues each): every file the miner's rules were written or checked against. */
export const SGD_DEV_FILES = [1, 5, 10, 15, 20, 25, 30, 35, 40] as const;

/**
 * The files of the held-out set (first 7 dialogues each), added before the round-2 rule changes and never run
 * through the miner while they were made: the first four of _045, _050, _055, _060, … stored at the commit with
 * service calls (_055, _060, _070, _075, _080 and _085 are not; see the data README).
 */
export const SGD_HELD_OUT_FILES = [45, 50, 65, 90] as const;

export const SGD_FILES = [...SGD_DEV_FILES, ...SGD_HELD_OUT_FILES] as const;

export type SgdSplit = "dev" | "held-out";

/** The split of a dialogue, by the number of the train/dialogues_NNN.json file it comes from (its id's prefix). */
export function sgdSplit(dialogueId: string): SgdSplit {
  const file = Number(dialogueId.split("_")[0]);
  return (SGD_HELD_OUT_FILES as readonly number[]).includes(file) ? "held-out" : "dev";
}

/**
 * Parses the transcription: `# id services`, then `U` / `S` utterances, each system turn followed by
 * its `A` acts (`ACT slot=v|v; ...`) and optional `C method {json}` service call; `//` lines are comments.
 */
export function parseSgdTranscript(text: string): SgdDialogue[] {
  const out: SgdDialogue[] = [];
  const fail = (n: number, why: string): never => {
    throw new Error(`sgd-turns.txt line ${n + 1}: ${why}`);
  };
  for (const [n, line] of text.split("\n").entries()) {
    if (!line.trim() || line.startsWith("//")) continue;
    const tag = line.slice(0, 2);
    const rest = line.slice(2);
    const d = out[out.length - 1];
    const last = d?.turns[d.turns.length - 1];
    if (tag === "# ") {
      const [id, services] = rest.split(" ");
      out.push({ dialogue_id: id ?? fail(n, "no id"), services: (services ?? "").split(",").filter(Boolean), turns: [] });
    } else if (!d) fail(n, "turn before any dialogue");
    else if (tag === "U ") d.turns.push({ speaker: "USER", utterance: rest });
    else if (tag === "S ") d.turns.push({ speaker: "SYSTEM", utterance: rest, actions: [] });
    else if (tag === "A " && last?.speaker === "SYSTEM") {
      last.actions = rest.split("; ").map((a) => {
        const m = /^([A-Z_]+)(?: ([a-z_]+)(?:=(.+))?)?$/.exec(a.trim()) ?? fail(n, `bad act "${a}"`);
        return { act: m[1]!, slot: m[2] ?? "", values: m[3] ? m[3].split("|") : [] };
      });
    } else if (tag === "C " && last?.speaker === "SYSTEM") {
      const sp = rest.indexOf(" ");
      last.service_call = { method: rest.slice(0, sp), parameters: JSON.parse(rest.slice(sp + 1)) as Record<string, string> };
    } else fail(n, `unexpected "${line.slice(0, 20)}"`);
  }
  return out;
}

/** The fixture the benchmark reads, from the transcription. */
export function buildSgdFixture(raw = readFileSync(SGD_RAW_PATH, "utf8")): SgdFixture {
  return {
    source: `Schema-Guided Dialogue dataset (SGD), Google Research, https://github.com/google-research-datasets/dstc8-schema-guided-dialogue (commit 83015913), first 7 dialogues of train/dialogues_${SGD_FILES.map((f) => String(f).padStart(3, "0")).join(", _")}.json`,
    license: "CC BY-SA 4.0 (this sample is a derivative: a subset with fields dropped)",
    dialogues: parseSgdTranscript(raw),
  };
}

export function loadSgd(file = SGD_PATH): SgdFixture {
  return JSON.parse(readFileSync(file, "utf8")) as SgdFixture;
}

/**
 * The reference procedure, fixed before any miner output was looked at: per system turn in order,
 * `call:<method>` for its service call (made before the turn is spoken), `request:<slot>` for each
 * REQUEST act, and one `confirm` if it has CONFIRM acts (a turn confirming five slots is one step).
 * OFFER, INFORM, INFORM_COUNT, NOTIFY_*, OFFER_INTENT, REQ_MORE and GOODBYE are answers or talk, not
 * procedure. A failed call that is retried counts twice, as performed.
 */
export function sgdReference(d: SgdDialogue): string[] {
  const out: string[] = [];
  for (const t of d.turns) {
    if (t.speaker !== "SYSTEM") continue;
    if (t.service_call) out.push(`call:${t.service_call.method}`);
    for (const a of t.actions ?? []) if (a.act === "REQUEST" && a.slot) out.push(`request:${a.slot}`);
    if ((t.actions ?? []).some((a) => a.act === "CONFIRM")) out.push("confirm");
  }
  return out;
}

/**
 * Turns as chat messages. In "tools" a service call is an assistant tool call (name = method,
 * arguments = parameters) and a tool result written by us, `{"status":"error"}` when the turn
 * reports NOTIFY_FAILURE and `{"status":"ok"}` otherwise, before the system's utterance.
 */
export function sgdMessages(d: SgdDialogue, variant: Variant): SkillMessage[] {
  return sgdTurnMessages(d, variant).messages;
}

/** The messages of `sgdMessages`, with the index of the turn each one stands for. */
function sgdTurnMessages(d: SgdDialogue, variant: Variant): { messages: SkillMessage[]; turnOf: number[] } {
  const out: SkillMessage[] = [];
  const turnOf: number[] = [];
  let turn = 0;
  const push = (m: Omit<SkillMessage, "id" | "timestamp" | "name">): void => {
    turnOf.push(turn);
    out.push({ id: `${d.dialogue_id}:${out.length}`, name: null, timestamp: 1_700_000_000_000 + 1000 * out.length, ...m });
  };
  for (const [i, t] of d.turns.entries()) {
    turn = i;
    if (t.speaker === "USER") {
      push({ role: "user", content: t.utterance, tool_calls: [], tool_call_id: null });
      continue;
    }
    if (variant === "tools" && t.service_call) {
      const id = `call_${i}`;
      const failed = (t.actions ?? []).some((a) => a.act === "NOTIFY_FAILURE");
      push({ role: "assistant", content: "", tool_calls: [{ id, name: t.service_call.method, arguments: JSON.stringify(t.service_call.parameters) }], tool_call_id: null });
      push({ role: "tool", content: JSON.stringify({ status: failed ? "error" : "ok" }), tool_calls: [], tool_call_id: id });
    }
    push({ role: "assistant", content: t.utterance, tool_calls: [], tool_call_id: null });
  }
  return { messages: out, turnOf };
}

/** One reference step with the system turn that performed it: the ids of that turn's messages. */
export interface SgdTurnStep {
  act: "call" | "request" | "confirm";
  /** The method called or the slot requested; "" for confirm. */
  name: string;
  turn: ReadonlySet<string>;
}

/** `sgdReference`, each step with its turn's message ids in `sgdMessages(d, variant)`. */
export function sgdTurnReference(d: SgdDialogue, variant: Variant): SgdTurnStep[] {
  const { messages, turnOf } = sgdTurnMessages(d, variant);
  const ids = (i: number) => new Set(messages.filter((_, k) => turnOf[k] === i).map((m) => m.id));
  const out: SgdTurnStep[] = [];
  for (const [i, t] of d.turns.entries()) {
    if (t.speaker !== "SYSTEM") continue;
    const turn = ids(i);
    if (t.service_call) out.push({ act: "call", name: t.service_call.method, turn });
    for (const a of t.actions ?? []) if (a.act === "REQUEST" && a.slot) out.push({ act: "request", name: a.slot, turn });
    if ((t.actions ?? []).some((a) => a.act === "CONFIRM")) out.push({ act: "confirm", name: "", turn });
  }
  return out;
}

/** A mined step with the message it came from and the act it was mined as. */
export interface TracedStep {
  step: SkillStep;
  source: string;
  kind: MinedStepKind;
}

/**
 * The turn-aligned matcher (a second reading, written after the lexical one's figures were known;
 * SGD's per-turn acts are the labels): a step matches a reference step when it was mined from the
 * system turn that performed it, as the same act: a call by a tool step of that name or, where the
 * call is not in the messages, by a reported operation or an offered result of that turn; a
 * request by a question; a confirm by a read-back. Wording is not compared.
 */
export function sgdTurnMatch(s: TracedStep, r: SgdTurnStep): boolean {
  if (!r.turn.has(s.source)) return false;
  if (s.step.tool) return r.act === "call" && s.step.tool.name === r.name;
  if (r.act === "call") return s.kind === "operation" || s.kind === "offer";
  return r.act === "request" ? s.kind === "request" : s.kind === "confirm";
}

/** The cue terms of a reference step: the slot's words, "confirm", or the method's verb (its first CamelCase word). */
export function sgdCues(ref: string): Set<string> {
  if (ref === "confirm") return new Set(terms("confirm"));
  if (ref.startsWith("request:")) return new Set(terms(ref.slice("request:".length).replace(/_/g, " ")));
  const verb = (ref.slice("call:".length).match(/^[A-Z][a-z]+/) ?? [""])[0]!;
  return new Set(terms(verb));
}

/**
 * Matching, fixed before running: a step with a tool matches only `call:<its tool name>`; a step
 * without a tool matches a reference step when its text shares a stemmed cue term with it.
 */
export const sgdMatch: StepMatcher = (step: SkillStep, ref: string) => {
  if (step.tool) return ref === `call:${step.tool.name}`;
  const cues = sgdCues(ref);
  return terms(step.text).some((t) => cues.has(t));
};

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const fixture = buildSgdFixture();
  writeFileSync(SGD_PATH, `${JSON.stringify(fixture, null, 1)}\n`);
  console.log(`wrote ${fixture.dialogues.length} dialogues to ${path.relative(process.cwd(), SGD_PATH)}`);
}
