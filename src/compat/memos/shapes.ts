// Our memories and jobs in MemOS's shapes: MemoryDetail, PreferenceDetail and a task status.
import type { JobRecord } from "../../memory/cube-contract";
import type { Memory } from "../../memory/types";

const iso = (ms: number) => new Date(ms).toISOString();

/** A short title of a memory (MemOS's memory_key): its first words. */
function keyOf(text: string): string {
  const words = text.trim().split(/\s+/);
  return words.length <= 8 ? words.join(" ") : `${words.slice(0, 8).join(" ")}…`;
}

const common = (m: Memory) => ({
  id: m.id,
  create_time: iso(m.created_at),
  update_time: iso(m.updated_at),
  conversation_id: m.session_id ?? "",
  status: "activated" as const,
  tags: m.tags,
  info: m.metadata,
  sources: m.source_message_ids.map((id) => ({ message_id: id })),
});

/** A fact (every type but preference); our memories are durable, so LongTermMemory. */
export function memoryDetail(m: Memory, relativity?: number) {
  return {
    ...common(m),
    memory_key: keyOf(m.text),
    memory_value: m.text,
    memory_type: "LongTermMemory" as const,
    confidence: m.importance,
    ...(relativity === undefined ? {} : { relativity }),
  };
}

/** A memory of type preference: stated, so explicit. */
export function preferenceDetail(m: Memory, relativity?: number) {
  return {
    ...common(m),
    preference: m.text,
    preference_type: "explicit_preference" as const,
    reasoning: "",
    ...(relativity === undefined ? {} : { relativity }),
  };
}

export const isPreference = (m: Memory) => m.type === "preference";

/** MemOS's task states: running until it succeeded (completed) or failed. */
export function taskStatus(job: Pick<JobRecord, "state">): "running" | "completed" | "failed" {
  return job.state === "succeeded" ? "completed" : job.state === "failed" ? "failed" : "running";
}
