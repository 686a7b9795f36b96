// bench:skills second reading of SGD: turn-aligned matching (sgdTurnMatch) of traced fast-mode
// steps against SGD's per-turn acts, beside the simple baseline of that reading: every agent
// sentence a step, typed by its form, and every tool call a step.
import { splitSentences } from "../../src/memory/extraction/sentences.ts";
import { mineSkillsTraced } from "../../src/memory/skills/mine.ts";
import type { SkillMessage } from "../../src/memory/skills/types.ts";
import type { Variant } from "./skills-data.ts";
import { aggregate, score, startOf, type Method, type Placed, type Row } from "./skills-score.ts";
import { sgdMessages, sgdSplit, sgdTurnMatch, sgdTurnReference, type SgdFixture, type TracedStep } from "./skills-sgd.ts";

/**
 * The baseline of the turn-aligned reading, as one draft: each tool call is a step; each agent
 * sentence is a step, a read-back if it says "confirm", a question if it ends with "?", else a
 * reported operation. It finds every act of every turn that has one, at the cost of precision.
 */
export function sentenceBaseline(messages: readonly SkillMessage[]): TracedStep[] {
  const out: TracedStep[] = [];
  for (const m of messages) {
    if (m.role !== "assistant") continue;
    for (const c of m.tool_calls) out.push({ step: { text: c.name, tool: { name: c.name, arguments: {} }, condition: null }, source: m.id, kind: "tool" });
    for (const s of splitSentences(m.content)) {
      const kind = /\bconfirm/i.test(s) ? "confirm" : /\?\s*$/.test(s) ? "request" : "operation";
      out.push({ step: { text: s, tool: null, condition: null }, source: m.id, kind });
    }
  }
  return out;
}

function traced(messages: SkillMessage[], method: Method): Array<Placed<TracedStep>> {
  const order = messages.map((m) => m.id);
  if (method === "baseline") {
    const steps = sentenceBaseline(messages);
    return steps.length ? [{ steps, at: 0 }] : [];
  }
  return mineSkillsTraced(messages, method === "calls only" ? { dialogueSteps: false } : {}).map((t) => ({
    steps: t.draft.steps.map((step, i) => ({ step, source: t.step_sources[i]!, kind: t.step_kinds[i]! })),
    at: startOf(t.draft.source_message_ids, order),
  }));
}

/** The turn-aligned rows: per variant and method, dev, held-out and all. */
export function sgdTurnRows(sgd: SgdFixture): Row[] {
  const rows: Row[] = [];
  for (const variant of ["tools", "text"] as const satisfies readonly Variant[]) {
    const methods: Method[] = variant === "tools" ? ["fast", "calls only", "baseline"] : ["fast", "baseline"];
    for (const method of methods) {
      const per = sgd.dialogues.map((d) => {
        const ref = sgdTurnReference(d, variant);
        const drafts = traced(sgdMessages(d, variant), method);
        return { split: sgdSplit(d.dialogue_id), s: { ...score(drafts, ref, sgdTurnMatch), ref: ref.length, n: drafts.length } };
      });
      for (const subset of ["dev", "held-out", "all"] as const) {
        rows.push(aggregate(`SGD ${subset}`, variant, method, per.filter((p) => subset === "all" || p.split === subset).map((p) => p.s)));
      }
    }
  }
  return rows;
}
