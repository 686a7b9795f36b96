// Parameters of a mined skill: values that vary between uses (masked PII placeholders, emails,
// ids, numbers, dates, paths, URLs, quoted names, tool-call arguments) become `{param}`
// placeholders with a JSON Schema type; the same value always maps to the same parameter.
import type { SkillParameterSchema, SkillParameters } from "./types";
import { PARAM_NAME_RE, SKILL_LIMITS } from "./validate";

interface ValueKind {
  re: RegExp;
  /** The parameter name when no better one comes from the context. */
  name: (m: RegExpExecArray) => string;
  type: SkillParameterSchema["type"];
  /** Whether the word before the value may name it ("order 123" → order_id). */
  contextual: boolean;
}

// Order matters: the first kind whose pattern matches at a position wins.
const KINDS: readonly ValueKind[] = [
  { re: /\[([A-Z][A-Z_]*?)_\d+\]/y, name: (m) => m[1]!.toLowerCase(), type: "string", contextual: false },
  { re: /<([a-z][a-z_]{1,30})>/y, name: (m) => m[1]!, type: "string", contextual: false },
  { re: /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/y, name: () => "email", type: "string", contextual: false },
  { re: /https?:\/\/[^\s"'`<>()]+[^\s"'`<>().,;:!?]/y, name: () => "url", type: "string", contextual: false },
  { re: /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{2,5})?\b/y, name: () => "host", type: "string", contextual: false },
  { re: /\b\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?\b/y, name: () => "date", type: "string", contextual: false },
  { re: /(?:~|\.{1,2})?\/(?:[\w.-]+\/)*[\w.-]+\.[A-Za-z0-9]{1,8}\b|(?:~|\.{1,2})\/[\w./-]+/y, name: () => "path", type: "string", contextual: false },
  { re: /\$\s?\d[\d,]*(?:\.\d+)?/y, name: () => "amount", type: "number", contextual: false },
  { re: /\(\d{3}\)\s?\d{3}-\d{4}|\+?\d{1,3}[\s-]\d{3}[\s-]\d{3,4}[\s-]?\d{0,4}/y, name: () => "phone", type: "string", contextual: false },
  { re: /#?\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9_-]{3,}\b|#\b[A-Za-z0-9]{3,}\b|\b\d{5,}\b/y, name: () => "id", type: "string", contextual: true },
  { re: /\b\d+(?:\.\d+)?\b/y, name: () => "number", type: "number", contextual: true },
];

const QUOTED_RE = /(["'])([^"'`\n]{1,80})\1/y;
/** Words before a quoted label of the interface ("click 'Save'"): a constant, not a value. */
const UI_VERBS: ReadonlySet<string> = new Set("click press tap select choose pick open hit check uncheck toggle menu button tab option field labeled labelled called named".split(" "));
/** Units after a number that name it better than "number" ("30 seconds" → seconds). */
const UNIT_RE = /^\s+(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|times|items?|pieces?|units?|copies|percent|gb|mb|kb|ms|px|retries|attempts|replicas|users?|dollars?|euros?)\b/i;
/** Words that never name a parameter (the word before a value is skipped when it is one). */
const NOT_NAMES: ReadonlySet<string> = new Set(
  "a an the is are was were be to of in on at for with and or my your our their his her its this that it id number no is by from as into than then about".split(" "),
);

/** A parameter name from free words: lowercase, underscores, starting with a letter, ≤ 64 characters. */
export function paramName(words: string): string {
  const base = words.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^[^a-z]+|_+$/g, "").slice(0, 64).replace(/_+$/, "");
  return PARAM_NAME_RE.test(base) ? base : "value";
}

/** Collects the parameters of one skill as values are met, in order. */
export class ParamCollector {
  private byValue = new Map<string, string>();
  readonly properties: Record<string, SkillParameterSchema> = {};

  /** The parameter for `value` (an existing one when the value was seen), named `wanted` or `wanted_2`… */
  param(value: string, wanted: string, type: SkillParameterSchema["type"], description?: string): string | null {
    const key = value.trim().toLowerCase();
    const known = this.byValue.get(key);
    if (known) return known;
    if (Object.keys(this.properties).length >= SKILL_LIMITS.parameters_max) return null;
    let name = paramName(wanted);
    for (let i = 2; name in this.properties; i++) name = `${paramName(wanted).slice(0, 60)}_${i}`;
    this.properties[name] = description ? { type, description } : { type };
    this.byValue.set(key, name);
    return name;
  }

  /** Replaces the varying values in `text` by placeholders (declaring their parameters). */
  parameterize(text: string): string {
    let out = "";
    let i = 0;
    let prevWord = "";
    while (i < text.length) {
      const q = matchAt(QUOTED_RE, text, i);
      // A backtick span is code: kept as written.
      if (text[i] === "`") {
        const end = text.indexOf("`", i + 1);
        if (end > i) {
          out += text.slice(i, end + 1);
          i = end + 1;
          prevWord = "";
          continue;
        }
      }
      if (q && (i === 0 || /[\s(:=]/.test(text[i - 1]!)) && !UI_VERBS.has(prevWord)) {
        const inner = q[2]!;
        const name = this.param(inner, prevWord && !NOT_NAMES.has(prevWord) ? prevWord : "name", "string");
        out += name ? `${q[1]}{${name}}${q[1]}` : q[0];
        i += q[0].length;
        continue;
      }
      let hit: { m: RegExpExecArray; kind: ValueKind } | null = null;
      if (i === 0 || !/[A-Za-z0-9_]/.test(text[i - 1]!) || text[i] === "[" || text[i] === "<") {
        for (const kind of KINDS) {
          const m = matchAt(kind.re, text, i);
          if (m) {
            hit = { m, kind };
            break;
          }
        }
      }
      if (hit) {
        const { m, kind } = hit;
        let wanted = kind.name(m);
        const unit = kind.type === "number" ? UNIT_RE.exec(text.slice(i + m[0].length, i + m[0].length + 20)) : null;
        if (unit) wanted = unit[1]!.toLowerCase();
        else if (kind.contextual && prevWord && !NOT_NAMES.has(prevWord)) wanted = kind.type === "string" ? `${prevWord}_id` : prevWord;
        const name = this.param(m[0], wanted, kind.type);
        out += name ? `{${name}}` : m[0];
        i += m[0].length;
        continue;
      }
      const w = /^[A-Za-z]+/.exec(text.slice(i, i + 40));
      if (w) {
        prevWord = w[0].toLowerCase();
        out += w[0];
        i += w[0].length;
        continue;
      }
      if (!/\s/.test(text[i]!) && !/[:#=]/.test(text[i]!)) prevWord = "";
      out += text[i];
      i++;
    }
    return out;
  }

  /** A tool call's arguments with each scalar value made a parameter named after its key. */
  parameterizeArgs(args: Record<string, unknown>): Record<string, unknown> {
    const walk = (v: unknown, key: string): unknown => {
      if (typeof v === "string") {
        if (v.trim() === "") return v;
        const name = this.param(v, key, "string");
        return name ? `{${name}}` : v;
      }
      if (typeof v === "number" || typeof v === "boolean") {
        const name = this.param(String(v), key, typeof v === "boolean" ? "boolean" : Number.isInteger(v) ? "integer" : "number");
        return name ? `{${name}}` : v;
      }
      if (Array.isArray(v)) return v.map((x, i) => walk(x, `${key}_${i + 1}`));
      if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
      return v;
    };
    return walk(args, "value") as Record<string, unknown>;
  }

  /** The JSON Schema of the parameters met, every one required (a mined skill has no defaults). */
  schema(used: readonly string[]): SkillParameters {
    const names = Object.keys(this.properties).filter((n) => used.includes(n));
    return { type: "object", properties: Object.fromEntries(names.map((n) => [n, this.properties[n]!])), required: names, additionalProperties: false };
  }
}

function matchAt(re: RegExp, text: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(text);
}
