// npm run bench:skills: Mem2Skill fast mode on ABCD dialogues with reference procedures, beside
// the "every imperative sentence is a step" baseline in the same run (and on a real SGD sample): coverage, step precision
// and recall, order (normalized LCS), and how many drafts evolution folds into existing skills.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { evolveSkill, skillText } from "../src/memory/skills/evolve.ts";
import { LocalEmbedder } from "../src/providers/embedder-local.ts";
import { mineSkills } from "../src/memory/skills/mine.ts";
import { newReliability } from "../src/memory/skills/reliability.ts";
import type { Skill, SkillDraft, SkillMessage, SkillStep } from "../src/memory/skills/types.ts";
import { actionSlots, FIXTURE_PATH, loadRaw, type AbcdDialogue, type AbcdFixture } from "./lib/skills-abcd.ts";
import { toMessages, type Variant } from "./lib/skills-data.ts";
import { loadSgd, SGD_HELD_OUT_FILES, SGD_PATH, sgdMatch, sgdMessages, sgdReference, sgdSplit } from "./lib/skills-sgd.ts";
import { actionCues, imperativeBaseline, textMatch, toolMatch } from "./lib/skills-metrics.ts";
import { sgdTurnRows } from "./lib/skills-sgd-turns.ts";
import { aggregate, score, startOf, type Method, type Placed, type Row } from "./lib/skills-score.ts";

const file = process.argv[2] ?? FIXTURE_PATH;
const fixture = JSON.parse(readFileSync(file, "utf8")) as AbcdFixture;
const cues = actionCues(actionSlots(loadRaw().ontology));
const byText = textMatch(cues);

/** Drafts with where each starts in the dialogue. */
function placed(drafts: readonly SkillDraft[], order: readonly string[]): Array<Placed<SkillStep>> {
  return drafts.map((d) => ({ steps: d.steps, at: startOf(d.source_message_ids, order) }));
}

/** A dialogue's drafts, with its message ids in order (to put split drafts back in dialogue order). */
function minedFor(d: AbcdDialogue, variant: Variant, method: Method): { drafts: SkillDraft[]; ids: string[] } {
  const messages = toMessages(d, variant);
  return { drafts: mineOrBaseline(messages, method), ids: messages.map((m) => m.id) };
}

function mineOrBaseline(messages: SkillMessage[], method: Method): SkillDraft[] {
  if (method === "fast") return mineSkills(messages);
  if (method === "calls only") return mineSkills(messages, { dialogueSteps: false });
  const steps = imperativeBaseline(messages.filter((m) => m.role === "user" || m.role === "assistant").map((m) => m.content));
  if (!steps.length) return [];
  return [{ name: "baseline", description: "baseline", when_to_use: "", parameters: { type: "object", properties: {}, required: [], additionalProperties: false }, steps, preconditions: [], examples: [], source_message_ids: [] }];
}

const rows: Row[] = [];
const subsets: Array<[string, (d: AbcdDialogue) => boolean]> = [
  ["real (ABCD sample)", (d) => d.origin === "real"],
  ["semi-synthetic", (d) => d.origin === "semi-synthetic"],
  ["all", () => true],
];
const methodsOf = (variant: Variant): Method[] => (variant === "tools" ? ["fast", "calls only", "baseline"] : ["fast", "baseline"]);
for (const variant of ["tools", "text"] as const) {
  for (const method of methodsOf(variant)) {
    // Baseline steps are sentences: they are scored by the text rule in both variants.
    const match = variant === "tools" && method !== "baseline" ? toolMatch : byText;
    const per = fixture.dialogues.map((d) => ({ d, ...minedFor(d, variant, method) }));
    for (const [subset, keep] of subsets) {
      const xs = per.filter((p) => keep(p.d));
      const s = xs.map((p) => ({ ...score(placed(p.drafts, p.ids), p.d.reference, match), ref: p.d.reference.length, n: p.drafts.length }));
      rows.push(aggregate(subset, variant, method, s));
    }
  }
}

// The real SGD sample: reference from the system acts, one matcher (tool name, else cue terms) for every method.
const sgd = loadSgd();
const sgdRows: Row[] = [];
for (const variant of ["tools", "text"] as const) {
  for (const method of methodsOf(variant)) {
    const per = sgd.dialogues.map((d) => {
      const ref = sgdReference(d);
      const messages = sgdMessages(d, variant);
      const drafts = mineOrBaseline(messages, method);
      return { split: sgdSplit(d.dialogue_id), s: { ...score(placed(drafts, messages.map((m) => m.id)), ref, sgdMatch), ref: ref.length, n: drafts.length } };
    });
    for (const subset of ["dev", "held-out", "all"] as const) {
      sgdRows.push(aggregate(`SGD ${subset}`, variant, method, per.filter((p) => subset === "all" || p.split === subset).map((p) => p.s)));
    }
  }
}

interface EvolutionRow {
  set: "ABCD" | "SGD";
  variant: Variant;
  similarity: "rules" | "rules + local embedder";
  drafts: number;
  created: number;
  duplicates: number;
  upgrades: number;
  skills: number;
  subflows: number;
  skills_per_subflow: number;
  procedures: number;
  skills_per_procedure: number;
  mixed_skills: number;
}

const embedder = new LocalEmbedder();
function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

/** One dialogue for evolution: its messages, its group (ABCD subflow, SGD services) and the procedure its reference describes. */
interface EvolutionItem {
  messages: SkillMessage[];
  subflow: string;
  procedure: string;
}

/**
 * Evolution over every dialogue in order: each draft against the skills so far, with rules only
 * or with the cosine of the embedded default embedder's vectors of `skillText` (as the cube may pass).
 */
function evolution(set: EvolutionRow["set"], variant: Variant, withEmbeddings: boolean, items: readonly EvolutionItem[]): EvolutionRow {
  const vectors = new Map<string, Float32Array>();
  const skills: Skill[] = [];
  const members = new Map<string, Array<{ subflow: string; procedure: string }>>();
  let drafts = 0;
  let duplicates = 0;
  let upgrades = 0;
  for (const d of items) {
    const tag = { subflow: d.subflow, procedure: d.procedure };
    for (const draft of mineSkills(d.messages)) {
      drafts++;
      const v = withEmbeddings ? embedder.embedOne(skillText(draft)) : null;
      const decision = evolveSkill(draft, skills.map((skill) => ({ skill, similarity: v ? cosine(v, vectors.get(skill.id)!) : null })));
      if (decision.action === "create") {
        const skill: Skill = { ...draft, id: `s${skills.length + 1}`, cube_id: "bench", user_id: null, agent_id: null, state: "probationary", version: 1, origin: "mined", source_memory_ids: [], reliability: newReliability(), hub: null, created_at: 0, updated_at: 0 };
        skills.push(skill);
        if (v) vectors.set(skill.id, v);
        members.set(skill.id, [tag]);
        continue;
      }
      const target = skills.find((s) => s.id === decision.target_id)!;
      members.get(target.id)!.push(tag);
      if (decision.action === "duplicate") duplicates++;
      else {
        upgrades++;
        Object.assign(target, decision.merged, { version: target.version + 1 });
        if (withEmbeddings) vectors.set(target.id, embedder.embedOne(skillText(target)));
      }
    }
  }
  const perKey = (key: "subflow" | "procedure") => {
    const m = new Map<string, Set<string>>();
    for (const [id, tags] of members) for (const t of tags) (m.get(t[key]) ?? m.set(t[key], new Set()).get(t[key])!).add(id);
    return m;
  };
  const bySubflow = perKey("subflow");
  const byProcedure = perKey("procedure");
  const mean = (m: Map<string, Set<string>>) => [...m.values()].reduce((a, s) => a + s.size, 0) / Math.max(1, m.size);
  return {
    set,
    variant,
    similarity: withEmbeddings ? "rules + local embedder" : "rules",
    drafts,
    created: skills.length,
    duplicates,
    upgrades,
    skills: skills.length,
    subflows: bySubflow.size,
    skills_per_subflow: mean(bySubflow),
    procedures: byProcedure.size,
    skills_per_procedure: mean(byProcedure),
    mixed_skills: [...members.values()].filter((tags) => new Set(tags.map((t) => t.procedure)).size > 1).length,
  };
}
const abcdItems = (v: Variant): EvolutionItem[] => fixture.dialogues.map((d) => ({ messages: toMessages(d, v), subflow: d.subflow, procedure: d.reference.join(">") }));
// SGD: grouped by services; the procedure is the dialogue's service calls in order, a repeated call once.
const sgdItems = (v: Variant): EvolutionItem[] =>
  sgd.dialogues.map((d) => ({
    messages: sgdMessages(d, v),
    subflow: d.services.join("+"),
    procedure: sgdReference(d)
      .filter((r) => r.startsWith("call:"))
      .filter((r, i, calls) => r !== calls[i - 1])
      .join(">"),
  }));
const evo = (["tools", "text"] as const).flatMap((v) => [
  evolution("ABCD", v, false, abcdItems(v)),
  evolution("ABCD", v, true, abcdItems(v)),
  evolution("SGD", v, false, sgdItems(v)),
  evolution("SGD", v, true, sgdItems(v)),
]);

const f = (x: number) => x.toFixed(2);
console.log(`bench:skills — ${fixture.dialogues.length} ABCD dialogues (${fixture.source}; ${fixture.license})`);
console.log("Step match: tools = same tool name as the action; text = a shared stemmed word with the action's name or ontology slot names.\n");
const HEADER = "subset               variant  method     n    coverage  any   P     R     R(unord)  order(LCS)  skills/dlg  P(all)  R(all)";
const printRow = (r: Row): void => {
  console.log(
    `${r.subset.padEnd(20)} ${r.variant.padEnd(8)} ${r.method.padEnd(10)} ${String(r.dialogues).padStart(4)} ${f(r.coverage).padStart(8)}  ${f(r.any_skill)}  ${f(r.precision)}  ${f(r.recall)}  ${f(r.recall_unordered).padStart(8)}  ${f(r.order_lcs).padStart(10)}  ${f(r.skills_per_dialogue).padStart(10)}  ${f(r.precision_all).padStart(6)}  ${f(r.recall_all).padStart(6)}`,
  );
};
console.log(HEADER);
for (const r of rows) printRow(r);
const sgdSteps = sgd.dialogues.reduce((n, d) => n + sgdReference(d).length, 0);
const heldOut = sgd.dialogues.filter((d) => sgdSplit(d.dialogue_id) === "held-out");
console.log(`\nSGD — ${sgd.dialogues.length} real dialogues over ${new Set(sgd.dialogues.flatMap((d) => d.services)).size} services, ${sgdSteps} reference steps (${sgd.source}; ${sgd.license})`);
console.log(`Split by file: held-out = files _${SGD_HELD_OUT_FILES.map((f) => String(f).padStart(3, "0")).join(", _")} (${heldOut.length} dialogues, ${heldOut.reduce((n, d) => n + sgdReference(d).length, 0)} steps); dev = the others.`);
console.log("Reference: per system turn, call:<method>, request:<slot> per REQUEST act, one confirm per turn with CONFIRM acts.");
console.log("Step match: a tool step matches call:<its name>; any other step shares a stemmed word with the slot, \"confirm\", or the method's verb.\n");
console.log(HEADER);
for (const r of sgdRows) printRow(r);
console.log("P, R: the best-matching skill of a dialogue against its reference (fixed before the first run). P(all), R(all): all the");
console.log("dialogue's skills in its order as one sequence, so that a dialogue split into one skill per task keeps the parts not picked.");
// Printed only, never read by the miner: the turn-aligned reading (see sgdTurnMatch).
const turnRows = sgdTurnRows(sgd);
console.log("\nSGD, turn-aligned (second reading): a step matches a reference step when it was mined from the system turn that");
console.log("performed it, as the same act (tool call by name, else a reported operation or offered result; question; read-back).");
console.log("Baseline here: every tool call and every agent sentence is a step (\"confirm\" → read-back, \"?\" → question, else operation).\n");
console.log(HEADER);
for (const r of turnRows) printRow(r);
console.log("\nEvolution (fast mode, all dialogues in order):");
console.log("ABCD groups by subflow, SGD by services; an SGD procedure is its dialogue's service calls in order.");
console.log("set   variant  similarity              drafts  created  duplicates  upgrades  groups  skills/group  procedures  skills/procedure  mixed skills");
for (const e of evo) {
  console.log(`${e.set.padEnd(5)} ${e.variant.padEnd(8)} ${e.similarity.padEnd(22)} ${String(e.drafts).padStart(6)}  ${String(e.created).padStart(7)}  ${String(e.duplicates).padStart(10)}  ${String(e.upgrades).padStart(8)}  ${String(e.subflows).padStart(6)}  ${f(e.skills_per_subflow).padStart(12)}  ${String(e.procedures).padStart(10)}  ${f(e.skills_per_procedure).padStart(16)}  ${String(e.mixed_skills).padStart(12)}`);
}
const meets = (r: Row, all: boolean) => (all ? r.recall_all >= 0.7 && r.precision_all >= 0.7 : r.recall >= 0.7 && r.precision >= 0.7);
console.log("\nTarget R ≥ 0.7 at P ≥ 0.7, fast mode (best skill / all skills in order):");
for (const [name, list] of [["ABCD all", rows.filter((r) => r.subset === "all")], ["SGD dev", sgdRows.filter((r) => r.subset === "SGD dev")], ["SGD held-out", sgdRows.filter((r) => r.subset === "SGD held-out")]] as const) {
  for (const r of list.filter((x) => x.method === "fast")) console.log(`  ${name.padEnd(13)} ${r.variant.padEnd(6)} ${meets(r, false) ? "met" : "NOT met"} / ${meets(r, true) ? "met" : "NOT met"}`);
}
console.log("Turn-aligned reading (best skill / all skills in order):");
for (const subset of ["SGD dev", "SGD held-out"]) {
  for (const r of turnRows.filter((x) => x.subset === subset && x.method === "fast")) console.log(`  ${subset.padEnd(13)} ${r.variant.padEnd(6)} ${meets(r, false) ? "met" : "NOT met"} / ${meets(r, true) ? "met" : "NOT met"}`);
}
const out = path.join(import.meta.dirname, "results", "skills.json");
writeFileSync(out, `${JSON.stringify({ fixture: path.relative(process.cwd(), file), rows, evolution: evo, sgd: { fixture: path.relative(process.cwd(), SGD_PATH), rows: sgdRows, turn_aligned_rows: turnRows } }, null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
