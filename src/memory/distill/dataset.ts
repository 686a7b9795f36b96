// Parameter memory's training set: stable memories as chat-format JSONL examples, deterministic, from desensitized texts only.
import { sha256Hex } from "../text";
import type { DistillItem } from "./policy";

/** One example: system, user (the question), assistant (the memory's statement). */
export interface ChatExample {
  messages: Array<{ role: "system" | "user" | "assistant"; content: string }>;
}

export interface TrainingSet {
  examples: ChatExample[];
  /** One JSON line per example, in order. */
  lines: string[];
  /** SHA-256 hex of the JSONL text: the same memories give the same hash. */
  hash: string;
  sources: Array<{ id: string; version: number }>;
}

export const SYSTEM_PROMPT = "You are a personal assistant. Answer from what you remember about the user, briefly and truthfully.";

/**
 * A question the memory answers, from its type and first entity only (both stored desensitized,
 * like its text): the example teaches the model to answer it with the memory's statement.
 */
export function questionFor(m: Pick<DistillItem, "type" | "entities">): string {
  const about = [...m.entities].map((e) => e.trim()).filter(Boolean).sort()[0];
  if (m.type === "preference") return about ? `What are my preferences about ${about}?` : "What do I prefer?";
  if (m.type === "relationship") return about ? `Who is ${about} to me?` : "Who are the people in my life?";
  return about ? `What do you remember about ${about}?` : "What do you remember about me?";
}

/** The training set of these memories, in their order. Each line is `{"messages":[system, user, assistant]}`. */
export async function buildTrainingSet(items: readonly DistillItem[]): Promise<TrainingSet> {
  const examples: ChatExample[] = items.map((m) => ({
    messages: [
      { role: "system", content: SYSTEM_PROMPT },
      { role: "user", content: questionFor(m) },
      { role: "assistant", content: m.text },
    ],
  }));
  const lines = examples.map((e) => JSON.stringify(e));
  return { examples, lines, hash: await sha256Hex(lines.join("\n")), sources: items.map((m) => ({ id: m.id, version: m.version })) };
}
