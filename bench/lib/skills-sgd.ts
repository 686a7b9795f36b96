// bench:skills real set: Schema-Guided Dialogue (SGD, Google, CC BY-SA 4.0) dialogues as chat
// messages in the two variants, their reference procedure from the system acts, and the step matcher.
import { readFileSync } from "node:fs";
import path from "node:path";
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
  const out: SkillMessage[] = [];
  const push = (m: Omit<SkillMessage, "id" | "timestamp" | "name">): void => {
    out.push({ id: `${d.dialogue_id}:${out.length}`, name: null, timestamp: 1_700_000_000_000 + 1000 * out.length, ...m });
  };
  for (const [i, t] of d.turns.entries()) {
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
  return out;
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
