// SKILL.md in the Agent Skills format (agentskills.io): a folder `<name>/SKILL.md` with YAML front
// matter (name, description, a string→string `metadata` map for our extra fields) and markdown
// instructions. Renders our skills, reads them back losslessly, and reads hand-written ones reasonably.
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { Skill, SkillDraft, SkillParameterSchema, SkillParameters, SkillStep } from "./types";
import { PARAM_NAME_RE, SKILL_LIMITS, checkDraft, placeholdersOfDraft, type SkillIssue } from "./validate";

/** A SKILL.md (or its folder) that cannot become a skill; `details` says where and why. */
export class SkillFormatError extends Error {
  constructor(
    message: string,
    readonly details: SkillIssue[],
  ) {
    super(message);
    this.name = "SkillFormatError";
  }
}

export interface SkillFile {
  path: string;
  content: string;
}

/** Largest SKILL.md read, in characters (the spec recommends under 500 lines). */
export const SKILL_MD_MAX_CHARS = 256 * 1024;
/** Metadata keys of our own, prefixed so that they never collide with another tool's. */
const META = { version: "memos-version", state: "memos-state", origin: "memos-origin", id: "memos-skill-id", sources: "memos-source-message-ids" } as const;

const PARAM_TYPES = ["string", "number", "integer", "boolean"] as const;

function titleOf(name: string): string {
  const words = name.split("-").filter(Boolean);
  const t = words.join(" ");
  return t.charAt(0).toUpperCase() + t.slice(1);
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").trim();
}

function indentLines(text: string, pad: string): string {
  return text.split("\n").join(`\n${pad}`);
}

function renderParameters(p: SkillParameters): string[] {
  const out: string[] = [];
  for (const [name, s] of Object.entries(p.properties)) {
    const req = p.required.includes(name) ? ", required" : "";
    out.push(`- \`${name}\` (${s.type}${req})${s.description ? `: ${oneLine(s.description)}` : ""}`);
    if (s.default !== undefined) out.push(`  - default: ${JSON.stringify(s.default)}`);
    if (s.enum !== undefined) out.push(`  - one of: ${JSON.stringify(s.enum)}`);
  }
  return out;
}

function renderStep(s: SkillStep, i: number): string[] {
  const out = [`${i + 1}. ${indentLines(s.text, "   ")}`];
  if (s.condition !== null) out.push(`   - if: ${oneLine(s.condition)}`);
  if (s.tool) out.push(`   - tool: \`${s.tool.name}\` ${JSON.stringify(s.tool.arguments)}`);
  return out;
}

function isSkill(s: Skill | SkillDraft): s is Skill {
  return "id" in s && typeof (s as Skill).id === "string";
}

/** The folder `<name>/SKILL.md` for a skill or draft. */
export function renderSkillMd(skill: Skill | SkillDraft): { files: SkillFile[] } {
  const metadata: Record<string, string> = {};
  if (isSkill(skill)) {
    metadata[META.id] = skill.id;
    metadata[META.version] = String(skill.version);
    metadata[META.state] = skill.state;
    metadata[META.origin] = skill.origin;
  }
  if (skill.source_message_ids.length) metadata[META.sources] = skill.source_message_ids.join(",");
  const front: Record<string, unknown> = { name: skill.name, description: skill.description };
  if (Object.keys(metadata).length) front.metadata = metadata;
  const lines: string[] = ["---", stringifyYaml(front, { lineWidth: 0 }).trimEnd(), "---", "", `# ${titleOf(skill.name)}`, ""];
  if (skill.when_to_use.trim()) lines.push("## When to use", "", skill.when_to_use.trim(), "");
  if (Object.keys(skill.parameters.properties).length) lines.push("## Parameters", "", ...renderParameters(skill.parameters), "");
  if (skill.preconditions.length) lines.push("## Preconditions", "", ...skill.preconditions.map((p) => `- ${indentLines(p, "  ")}`), "");
  lines.push("## Steps", "", ...skill.steps.flatMap(renderStep), "");
  if (skill.examples.length) lines.push("## Examples", "", ...skill.examples.map((e) => `- ${indentLines(e, "  ")}`), "");
  return { files: [{ path: `${skill.name}/SKILL.md`, content: lines.join("\n") }] };
}

interface Section {
  title: string;
  lines: string[];
}

/** Splits the body at `#`/`##` headings (outside code fences). The text before the first heading has title "". */
function sections(body: string): Section[] {
  const out: Section[] = [{ title: "", lines: [] }];
  let fence = false;
  for (const line of body.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const h = fence ? null : /^(#{1,3})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) out.push({ title: h[2]!.toLowerCase(), lines: [] });
    else out[out.length - 1]!.lines.push(line);
  }
  return out;
}

const SECTION_NAMES = {
  when: /^(when to use|when to use (it|this skill)|usage|use when|triggers?)\b/,
  params: /^(parameters|inputs?|arguments)\b/,
  pre: /^(preconditions|prerequisites|requirements|before you start)\b/,
  steps: /^(steps|instructions|procedure|workflow|how to|process)\b/,
  examples: /^(examples?)\b/,
};

interface ListItem {
  /** The item's first line without its marker, continuation lines joined with "\n". */
  text: string;
  /** Sub-bullets ("- key: value"), in order. */
  subs: string[];
}

/** Top-level list items (numbered when `numbered`, else bullets) with their continuation lines and sub-bullets. */
function listItems(lines: readonly string[], numbered: boolean): ListItem[] {
  const items: ListItem[] = [];
  const top = numbered ? /^(\d{1,3})[.)]\s+(.*)$/ : /^[-*+]\s+(.*)$/;
  let fence = false;
  let open = false;
  for (const raw of lines) {
    if (/^\s*(```|~~~)/.test(raw)) fence = !fence;
    const m = fence ? null : top.exec(raw);
    if (m) {
      items.push({ text: (numbered ? m[2] : m[1])!.trimEnd(), subs: [] });
      open = true;
      continue;
    }
    const cur = items[items.length - 1];
    if (!cur || !open || raw.trim() === "") continue;
    const sub = fence ? null : /^\s{2,}[-*+]\s+(.*)$/.exec(raw);
    if (sub) cur.subs.push(sub[1]!.trim());
    else if (/^\s+\S/.test(raw) || fence) cur.text += `\n${raw.replace(/^\s{1,3}/, "")}`;
    // A line at column 0 that is not an item closes the list: prose after a list is not its last item.
    else open = false;
  }
  return items;
}

function paragraphs(lines: readonly string[]): string[] {
  return lines.join("\n").split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
}

function parseJsonValue(text: string, path: string, issues: SkillIssue[]): unknown {
  try {
    return JSON.parse(text);
  } catch {
    issues.push({ path, message: `not valid JSON: ${text.slice(0, 80)}` });
    return undefined;
  }
}

function parseParameters(lines: readonly string[], issues: SkillIssue[]): SkillParameters {
  const params: SkillParameters = { type: "object", properties: {}, required: [], additionalProperties: false };
  for (const [i, item] of listItems(lines, false).entries()) {
    const path = `body.parameters.${i}`;
    const m = /^`?([A-Za-z][A-Za-z0-9_]*)`?\s*(?:\(([^)]*)\))?\s*(?::\s*|[-—–]\s+)?([\s\S]*)$/.exec(item.text);
    if (!m) {
      issues.push({ path, message: "expected `name` (type[, required]): description" });
      continue;
    }
    const name = m[1]!;
    if (!PARAM_NAME_RE.test(name)) {
      issues.push({ path, message: `parameter name "${name}" must be lowercase letters, digits and underscores, starting with a letter` });
      continue;
    }
    const attrs = (m[2] ?? "string").split(",").map((a) => a.trim().toLowerCase());
    const type = (PARAM_TYPES as readonly string[]).includes(attrs[0]!) ? (attrs[0] as SkillParameterSchema["type"]) : null;
    if (!type) {
      issues.push({ path, message: `type "${attrs[0]}" must be one of ${PARAM_TYPES.join(", ")}` });
      continue;
    }
    const schema: SkillParameterSchema = { type };
    const description = oneLine(m[3] ?? "");
    if (description) schema.description = description;
    for (const sub of item.subs) {
      const d = /^default:\s*(.*)$/i.exec(sub);
      const e = /^one of:\s*(.*)$/i.exec(sub);
      if (d) {
        const v = parseJsonValue(d[1]!, `${path}.default`, issues);
        if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") schema.default = v;
        else if (v !== undefined) issues.push({ path: `${path}.default`, message: "must be a string, number or boolean" });
      } else if (e) {
        const v = parseJsonValue(e[1]!, `${path}.enum`, issues);
        if (Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number")) schema.enum = v as Array<string | number>;
        else if (v !== undefined) issues.push({ path: `${path}.enum`, message: "must be a JSON list of strings or numbers" });
      }
    }
    if (name in params.properties) issues.push({ path, message: `parameter "${name}" is declared twice` });
    params.properties[name] = schema;
    if (attrs.includes("required")) params.required.push(name);
  }
  return params;
}

function parseStep(item: ListItem, path: string, issues: SkillIssue[]): SkillStep {
  const step: SkillStep = { text: item.text.trim(), tool: null, condition: null };
  const rest: string[] = [];
  for (const sub of item.subs) {
    const c = /^if:\s*(.+)$/i.exec(sub);
    const t = /^tool:\s*`([^`]+)`\s*(.*)$/i.exec(sub);
    if (c) step.condition = c[1]!.trim();
    else if (t) {
      const args = t[2]!.trim() === "" ? {} : parseJsonValue(t[2]!.trim(), `${path}.tool.arguments`, issues);
      if (args !== undefined && (typeof args !== "object" || args === null || Array.isArray(args))) issues.push({ path: `${path}.tool.arguments`, message: "must be a JSON object" });
      else if (args !== undefined) step.tool = { name: t[1]!.trim(), arguments: args as Record<string, unknown> };
    } else rest.push(sub);
  }
  // Sub-bullets that are neither a condition nor a tool belong to the step's instructions.
  if (rest.length) step.text += rest.map((r) => `\n- ${r}`).join("");
  return step;
}

function splitFrontMatter(text: string): { front: string; body: string } | null {
  const m = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/.exec(text);
  return m ? { front: m[1]!, body: m[2]! } : null;
}

function pickSkillFile(input: string | { files: SkillFile[] }, issues: SkillIssue[]): { text: string; dir: string | null } | null {
  if (typeof input === "string") return { text: input, dir: null };
  const md = input.files.filter((f) => /(^|\/)SKILL\.md$/.test(f.path));
  if (md.length !== 1) {
    issues.push({ path: "files", message: md.length === 0 ? "no SKILL.md in the folder" : `${md.length} SKILL.md files; expected exactly one` });
    return null;
  }
  const f = md[0]!;
  const parts = f.path.split("/").filter(Boolean);
  return { text: f.content, dir: parts.length >= 2 ? parts[parts.length - 2]! : null };
}

/**
 * Reads a SKILL.md (its text, or its folder's files) into a draft. Our own output reads back as
 * it was rendered; a hand-written file gives its numbered list (or bullets, or paragraphs) as
 * steps, and placeholders it uses but does not declare become required string parameters.
 * Throws SkillFormatError with every problem found.
 */
export function parseSkillMd(input: string | { files: SkillFile[] }): SkillDraft {
  const issues: SkillIssue[] = [];
  const picked = pickSkillFile(input, issues);
  if (!picked) throw new SkillFormatError("not a skill folder", issues);
  const text = picked.text.replace(/\r\n/g, "\n");
  if (text.length > SKILL_MD_MAX_CHARS) throw new SkillFormatError("SKILL.md is too large", [{ path: "SKILL.md", message: `at most ${SKILL_MD_MAX_CHARS} characters` }]);
  const split = splitFrontMatter(text);
  if (!split) throw new SkillFormatError("SKILL.md has no YAML front matter", [{ path: "front_matter", message: "the file must start with --- YAML front matter --- holding name and description" }]);
  let front: unknown;
  try {
    front = parseYaml(split.front, { maxAliasCount: 10, prettyErrors: false });
  } catch (err) {
    throw new SkillFormatError("SKILL.md front matter is not valid YAML", [{ path: "front_matter", message: err instanceof Error ? err.message.split("\n")[0]! : String(err) }]);
  }
  if (typeof front !== "object" || front === null || Array.isArray(front)) throw new SkillFormatError("SKILL.md front matter is not a map", [{ path: "front_matter", message: "must be a YAML map with name and description" }]);
  const fm = front as Record<string, unknown>;
  if (typeof fm.name !== "string") issues.push({ path: "front_matter.name", message: "is required and must be a string" });
  if (typeof fm.description !== "string") issues.push({ path: "front_matter.description", message: "is required and must be a string" });
  const meta = fm.metadata;
  if (meta !== undefined && (typeof meta !== "object" || meta === null || Array.isArray(meta))) issues.push({ path: "front_matter.metadata", message: "must be a map of strings" });
  const name = typeof fm.name === "string" ? fm.name.trim() : "";
  if (picked.dir !== null && name && picked.dir !== name) issues.push({ path: "front_matter.name", message: `must match the folder name "${picked.dir}"` });

  const secs = sections(split.body);
  const find = (re: RegExp) => secs.find((s) => re.test(s.title));
  const when = find(SECTION_NAMES.when);
  const paramSec = find(SECTION_NAMES.params);
  const pre = find(SECTION_NAMES.pre);
  const stepSec = find(SECTION_NAMES.steps);
  const ex = find(SECTION_NAMES.examples);
  const parameters = paramSec ? parseParameters(paramSec.lines, issues) : { type: "object" as const, properties: {}, required: [], additionalProperties: false as const };

  let items: ListItem[] = [];
  let stepBase = "body.steps";
  if (stepSec) {
    items = listItems(stepSec.lines, true);
    if (!items.length) items = listItems(stepSec.lines, false);
    if (!items.length) items = paragraphs(stepSec.lines).map((p) => ({ text: p, subs: [] }));
  } else {
    // No Steps section: the first numbered list anywhere, else the prose of the unclaimed sections.
    const claimed = new Set([when, paramSec, pre, ex].filter(Boolean));
    const free = secs.filter((s) => !claimed.has(s));
    for (const s of free) {
      items = listItems(s.lines, true);
      if (items.length) break;
    }
    if (!items.length) items = free.flatMap((s) => paragraphs(s.lines)).map((p) => ({ text: p, subs: [] }));
    stepBase = "body";
  }
  const steps = items.map((it, i) => parseStep(it, `${stepBase}.${i}`, issues));
  if (!steps.length) issues.push({ path: "body.steps", message: "no steps: add a numbered list under ## Steps" });

  const metaMap = (meta && typeof meta === "object" && !Array.isArray(meta) ? meta : {}) as Record<string, unknown>;
  const sources = typeof metaMap[META.sources] === "string" ? (metaMap[META.sources] as string).split(",").map((s) => s.trim()).filter(Boolean) : [];
  const draft: SkillDraft = {
    name,
    description: typeof fm.description === "string" ? fm.description.trim() : "",
    when_to_use: when ? paragraphs(when.lines).join("\n\n") : "",
    parameters,
    steps,
    preconditions: pre ? listItems(pre.lines, false).map((i) => i.text.trim()) : [],
    examples: ex ? listItems(ex.lines, false).map((i) => i.text.trim()) : [],
    source_message_ids: sources,
  };
  // A hand-written file may use placeholders without a Parameters section: declare them.
  for (const p of placeholdersOfDraft(draft)) {
    if (p in draft.parameters.properties || Object.keys(draft.parameters.properties).length >= SKILL_LIMITS.parameters_max) continue;
    draft.parameters.properties[p] = { type: "string" };
    draft.parameters.required.push(p);
  }
  if (issues.length === 0) issues.push(...checkDraft(draft));
  if (issues.length) throw new SkillFormatError("SKILL.md is not a valid skill", issues);
  return draft;
}
