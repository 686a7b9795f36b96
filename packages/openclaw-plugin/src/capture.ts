// Which messages of a finished run are new, and their text as the service stores it (recalled block stripped).
import { createHash } from "node:crypto";
import { stripRecall } from "./block.ts";
import type { ServiceMessage } from "./service.ts";

/** The service's limits: characters of one message, messages of one add. */
export const MESSAGE_CHARS = 16_000;
export const MESSAGES_PER_ADD = 1_000;

interface TextPart {
  type?: unknown;
  text?: unknown;
}

/** The text of an OpenClaw session message (string content, or its text parts), or null for other roles. */
function textOf(message: unknown): { role: "user" | "assistant"; text: string; timestamp?: number } | null {
  if (!message || typeof message !== "object") return null;
  const m = message as { role?: unknown; content?: unknown; timestamp?: unknown };
  if (m.role !== "user" && m.role !== "assistant") return null;
  let text = "";
  if (typeof m.content === "string") text = m.content;
  else if (Array.isArray(m.content))
    text = (m.content as TextPart[])
      .filter((p) => p && p.type === "text" && typeof p.text === "string")
      .map((p) => p.text as string)
      .join("\n");
  return { role: m.role, text, ...(typeof m.timestamp === "number" && Number.isFinite(m.timestamp) ? { timestamp: m.timestamp } : {}) };
}

/**
 * Where the new turns start. `seen` is how many messages of this session were captured before (by this
 * process); without it, or when the history shrank (compaction), the run's turn starts at its last user message.
 */
export function newTurnsStart(messages: readonly unknown[], seen: number | undefined): number {
  if (seen !== undefined && seen <= messages.length) return seen;
  for (let i = messages.length - 1; i >= 0; i--) if (textOf(messages[i])?.role === "user") return i;
  return messages.length;
}

/** The new messages as the service takes them: user and assistant text only, the recalled block stripped, empties dropped. */
export function captureMessages(messages: readonly unknown[], start: number): ServiceMessage[] {
  const out: ServiceMessage[] = [];
  for (const raw of messages.slice(start)) {
    const m = textOf(raw);
    if (!m) continue;
    const content = stripRecall(m.text).slice(0, MESSAGE_CHARS);
    if (content.trim().length === 0) continue;
    out.push({ role: m.role, content, ...(m.timestamp !== undefined ? { timestamp: new Date(m.timestamp).toISOString() } : {}) });
  }
  return out.slice(-MESSAGES_PER_ADD);
}

/** The same session and the same turn give the same key, so a retried capture is stored once. */
export function captureKey(session: string, messages: readonly ServiceMessage[]): string {
  const h = createHash("sha256").update(session);
  for (const m of messages) h.update(`\u0000${m.role}\u0000${m.timestamp ?? ""}\u0000${m.content}`);
  return `openclaw-capture-${h.digest("hex")}`;
}

/** An OpenClaw session id or key as a service session_id (1 to 128 of A-Z a-z 0-9 : _ - . @). */
export function sessionIdOf(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const clean = raw.replace(/[^A-Za-z0-9:_\-.@]/g, "_").slice(0, 128);
  return clean.length > 0 ? clean : undefined;
}
