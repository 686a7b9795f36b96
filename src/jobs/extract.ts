// Extraction of candidate memories from a job's raw messages: raw, fast (rules) or fine (LLM).
import type { CandidateMemory, RawMessage } from "../memory/types";
import type { ExtractionMode } from "../memory/cube-contract";
import type { LLM } from "../providers/llm";
import { extractFast } from "../memory/extraction/rules";
import { extractFine } from "../memory/extraction/llm-extractor";
import { DEFAULT_WINDOW, splitWindows } from "../memory/extraction/windows";
import { normalizeForHash } from "../memory/text";
import { PROMPT_VERSION } from "../memory/extraction/prompts";

export interface ExtractionResult {
  candidates: CandidateMemory[];
  detail: Record<string, unknown>;
}

function rawCandidates(messages: readonly RawMessage[]): CandidateMemory[] {
  return messages.map((m) => ({
    text: m.name ? `${m.name}: ${m.content}` : m.content,
    type: "message",
    entities: m.name ? [m.name] : [],
    importance: 0.5,
    event_time: m.timestamp,
    source_message_ids: [m.id],
  }));
}

/** Overlapping windows see some messages twice: identical candidates collapse, sources united. */
function collapse(candidates: CandidateMemory[]): CandidateMemory[] {
  const byText = new Map<string, CandidateMemory>();
  for (const c of candidates) {
    const key = normalizeForHash(c.text);
    const prior = byText.get(key);
    if (!prior) byText.set(key, { ...c, source_message_ids: [...c.source_message_ids] });
    else prior.source_message_ids = [...new Set([...prior.source_message_ids, ...c.source_message_ids])];
  }
  return [...byText.values()];
}

export async function extractCandidates(mode: ExtractionMode, messages: readonly RawMessage[], llm: LLM | null): Promise<ExtractionResult> {
  if (mode === "raw") return { candidates: rawCandidates(messages), detail: { extractor: "raw" } };
  const speakers = [...new Set(messages.map((m) => m.name).filter((n): n is string => !!n))];
  const windows = splitWindows(messages, DEFAULT_WINDOW);
  if (mode === "fast" || !llm) {
    const all = windows.flatMap((w) => extractFast(w, { speakers }));
    return {
      candidates: collapse(all),
      detail: { extractor: "rules", windows: windows.length, ...(mode === "fine" ? { note: "fine mode without an LLM configured: rules used" } : {}) },
    };
  }
  const outcomes: Record<string, number> = { ok: 0, retried: 0, fallback: 0 };
  const errors: string[] = [];
  const all: CandidateMemory[] = [];
  for (const w of windows) {
    const r = await extractFine(llm, w, { fast: { speakers } });
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    errors.push(...r.errors.slice(0, 3));
    all.push(...r.candidates);
  }
  return { candidates: collapse(all), detail: { extractor: "llm", prompt_version: PROMPT_VERSION, windows: windows.length, outcomes, errors: errors.slice(0, 10) } };
}
