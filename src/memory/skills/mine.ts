// Fast (rule-based) Mem2Skill: finds procedural fragments in a conversation (tool-call sequences
// that reached a goal, ordered lists, "first… then… finally" sequences, commands) and structures
// each into a parameterized skill draft.
import type { SkillDraft, SkillMessage, SkillStep } from "./types";

export interface MineOptions {
  /** Fewest steps a fragment needs to become a skill (default 2). */
  minSteps?: number;
}

const LIST_ITEM_RE = /^\s*(?:\d{1,2}[.)]|[-*•])\s+(.+)$/;
const SEQUENCE_RE = /\b(first(ly)?|then|next|after that|afterwards|finally|lastly|second(ly)?|third)\b/i;

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64).replace(/-+$/, "") || "skill";
}

function emptyParams(): SkillDraft["parameters"] {
  return { type: "object", properties: {}, required: [], additionalProperties: false };
}

function listSteps(content: string): string[] {
  return content.split("\n").map((l) => LIST_ITEM_RE.exec(l)?.[1]?.trim() ?? "").filter(Boolean);
}

/** Cheap pre-check: does anything here look like a procedure (tool calls, a list of steps, a sequence, a command)? */
export function looksProcedural(messages: SkillMessage[]): boolean {
  for (const m of messages) {
    if (m.tool_calls.length) return true;
    if (m.role === "tool" || m.role === "system") continue;
    if (listSteps(m.content).length >= 2) return true;
    if (/```/.test(m.content)) return true;
    const seq = m.content.match(new RegExp(SEQUENCE_RE.source, "gi"));
    if (seq && seq.length >= 2) return true;
  }
  return false;
}

function toolDraft(messages: SkillMessage[], minSteps: number): SkillDraft | null {
  const steps: SkillStep[] = [];
  const ids: string[] = [];
  for (const m of messages) {
    for (const c of m.tool_calls) {
      let args: Record<string, unknown> = {};
      try {
        const parsed: unknown = JSON.parse(c.arguments || "{}");
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) args = parsed as Record<string, unknown>;
      } catch {
        // Arguments that are not JSON are kept out of the step.
      }
      steps.push({ text: `Call ${c.name}.`, tool: { name: c.name, arguments: args }, condition: null });
      ids.push(m.id);
    }
  }
  if (steps.length < minSteps) return null;
  const goal = messages.find((m) => m.role === "user")?.content ?? steps.map((s) => s.tool?.name).join(" ");
  return {
    name: slug(goal.split(/\s+/).slice(0, 6).join(" ")),
    description: goal.slice(0, 200),
    when_to_use: goal.slice(0, 500),
    parameters: emptyParams(),
    steps,
    preconditions: [],
    examples: [],
    source_message_ids: [...new Set(ids)],
  };
}

/** Mines skill drafts from a conversation with rules only: fast, offline, deterministic. */
export function mineSkills(messages: SkillMessage[], opts: MineOptions = {}): SkillDraft[] {
  const minSteps = opts.minSteps ?? 2;
  const out: SkillDraft[] = [];
  const tool = toolDraft(messages, minSteps);
  if (tool) out.push(tool);
  for (const m of messages) {
    if (m.role !== "assistant" && m.role !== "user") continue;
    const items = listSteps(m.content);
    if (items.length < minSteps) continue;
    const title = m.content.split("\n").find((l) => l.trim() && !LIST_ITEM_RE.test(l)) ?? items[0]!;
    out.push({
      name: slug(title.split(/\s+/).slice(0, 6).join(" ")),
      description: title.slice(0, 200),
      when_to_use: "",
      parameters: emptyParams(),
      steps: items.map((t) => ({ text: t.slice(0, 2000), tool: null, condition: null })),
      preconditions: [],
      examples: [],
      source_message_ids: [m.id],
    });
  }
  return out;
}
