// bench:skills inputs: an ABCD dialogue as chat messages in the two variants the benchmark
// reports, actions as assistant tool calls with tool results ("tools"), or dropped ("text").
import type { SkillMessage } from "../../src/memory/skills/types.ts";
import type { AbcdDialogue } from "./skills-abcd.ts";

export type Variant = "tools" | "text";

/**
 * Agent turns become assistant messages and customer turns user messages. In "tools" each action
 * is an assistant message calling a tool named after the ABCD button (its slot values as JSON
 * arguments) and a tool message with ABCD's action log line (or the error of a failed click).
 */
export function toMessages(d: AbcdDialogue, variant: Variant): SkillMessage[] {
  const out: SkillMessage[] = [];
  let t = 0;
  const push = (m: Omit<SkillMessage, "id" | "timestamp" | "name">): void => {
    out.push({ id: `${d.id}:${out.length}`, name: null, timestamp: 1_700_000_000_000 + 1000 * t++, ...m });
  };
  for (const [i, turn] of d.turns.entries()) {
    if (turn.speaker === "agent") push({ role: "assistant", content: turn.text, tool_calls: [], tool_call_id: null });
    else if (turn.speaker === "customer") push({ role: "user", content: turn.text, tool_calls: [], tool_call_id: null });
    else if (variant === "tools" && turn.action) {
      const id = `call_${i}`;
      push({ role: "assistant", content: "", tool_calls: [{ id, name: turn.action.button, arguments: JSON.stringify(turn.action.args) }], tool_call_id: null });
      push({ role: "tool", content: turn.text, tool_calls: [], tool_call_id: id });
    }
  }
  return out;
}
