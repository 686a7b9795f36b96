// Names and postal addresses found by the configured model: spans the patterns cannot find, for the cube to number with the rest.
import { z } from "zod";
import type { LLM } from "../../providers/llm";
import { ProviderError } from "../../providers/errors";
import type { Span } from "./types";

/** The types only a model finds. */
export const MODEL_PII_TYPES = ["PERSON", "ADDRESS"] as const;
export type ModelPiiType = (typeof MODEL_PII_TYPES)[number];

/** A span the model found, as offsets into its text (UTF-16, end exclusive); the cube reads the value itself. */
export interface ModelSpan {
  type: ModelPiiType;
  start: number;
  end: number;
}

/** Finds model spans in each text; one inner list per text, in order. */
export type PiiFinder = (texts: readonly string[]) => Promise<ModelSpan[][]>;

/** Characters of text one model call reads (texts longer than this go alone). */
const PROMPT_CHARS = 6_000;

const SYSTEM = [
  "You find personal names and postal addresses in texts, for privacy masking.",
  "PERSON: a name of a real person (given name, family name, or both), never a pronoun, role, company, product or place.",
  "ADDRESS: a postal or street address (street and number, optionally city and postcode), never a city or country alone.",
  "Copy each value exactly as written in the text. Report every occurrence once per distinct value per text.",
  'Answer JSON: {"findings":[{"index":<text number>,"type":"PERSON"|"ADDRESS","value":"<exact substring>"}]}; {"findings":[]} when there is none.',
].join("\n");

const SCHEMA = {
  type: "object",
  properties: {
    findings: {
      type: "array",
      items: {
        type: "object",
        properties: { index: { type: "integer" }, type: { type: "string", enum: [...MODEL_PII_TYPES] }, value: { type: "string" } },
        required: ["index", "type", "value"],
        additionalProperties: false,
      },
    },
  },
  required: ["findings"],
  additionalProperties: false,
} as const;

const answerSchema = z.object({
  findings: z.array(z.object({ index: z.number().int().min(0), type: z.enum(MODEL_PII_TYPES), value: z.string().min(2).max(300) })).max(500),
});

/** The normalized form of a name or address: the same person spelled with other case or spacing gets the same placeholder. */
export function normalizeModelValue(value: string): string {
  return value.normalize("NFKC").toLowerCase().replace(/[\s,.;]+/g, " ").trim();
}

/** The texts in groups of about PROMPT_CHARS, as index lists. */
function groups(texts: readonly string[]): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  let size = 0;
  texts.forEach((t, i) => {
    if (cur.length && size + t.length > PROMPT_CHARS) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(i);
    size += t.length;
  });
  if (cur.length) out.push(cur);
  return out;
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/** Every whole-word occurrence of `value` in `text`. */
function occurrences(text: string, value: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + value.length)) {
    if (!isWordChar(text[at - 1]) && !isWordChar(text[at + value.length])) out.push([at, at + value.length]);
  }
  return out;
}

async function ask(llm: LLM, texts: readonly string[]): Promise<z.infer<typeof answerSchema>> {
  const content = texts.map((t, i) => `<text ${i}>\n${t}\n</text ${i}>`).join("\n");
  for (let attempt = 0; attempt < 2; attempt++) {
    const answer = await llm.complete({ system: SYSTEM, messages: [{ role: "user", content }], json_schema: SCHEMA, schema_name: "pii_findings", max_tokens: 1_000, temperature: 0 });
    try {
      const parsed = answerSchema.safeParse(JSON.parse(answer.text));
      if (parsed.success) return parsed.data;
    } catch {
      // Not JSON: asked once more, then refused below.
    }
  }
  throw new ProviderError(llm.id, "the model's PII answer was not valid JSON of the expected shape twice", true);
}

/**
 * Names and addresses in `texts`, found by `llm`: a value the model reports that is not in its
 * text is dropped (a model may invent), every whole-word occurrence of a reported value is a span.
 * Throws ProviderError when the model fails: the caller refuses the write rather than store names
 * raw (fail closed).
 */
export async function findWithModel(llm: LLM, texts: readonly string[]): Promise<ModelSpan[][]> {
  const spans: ModelSpan[][] = texts.map(() => []);
  for (const group of groups(texts)) {
    const batch = group.map((i) => texts[i] as string);
    const { findings } = await ask(llm, batch);
    for (const f of findings) {
      const textIndex = group[f.index];
      if (textIndex === undefined) continue;
      const list = spans[textIndex] as ModelSpan[];
      for (const [start, end] of occurrences(texts[textIndex] as string, f.value)) {
        if (!list.some((s) => s.start === start && s.end === end)) list.push({ type: f.type, start, end });
      }
    }
  }
  return spans.map((l) => l.sort((a, b) => a.start - b.start));
}

/** Model spans of `text` as detector spans, dropping any out of bounds (the cube trusts no caller's offsets). */
export function toSpans(text: string, found: readonly ModelSpan[]): Span[] {
  return found
    .filter((s) => Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.end <= text.length && s.start < s.end)
    .map((s) => {
      const value = text.slice(s.start, s.end);
      return { type: s.type, start: s.start, end: s.end, value, normalized: normalizeModelValue(value) };
    })
    .filter((s) => s.normalized.length > 0);
}
