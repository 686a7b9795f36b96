// bench:skills data: ABCD (Action-Based Conversations Dataset, ASAPP, MIT) dialogues with the
// agent's annotated actions. Converts the dataset's real sample and builds seeded semi-synthetic
// dialogues for every subflow of its knowledge base (kb.json: the actions each subflow requires).
// Rerun with `npx tsx bench/lib/skills-abcd.ts` to rewrite bench/data/skills/abcd-dialogues.json.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ACTION_TEXTS, AGENT_TURNS, CHITCHAT, CLOSINGS, FAQ_ANSWERS, GREETINGS, OPENINGS, SUBFLOW_REQUESTS } from "./skills-templates.ts";

export interface AbcdTurn {
  speaker: "agent" | "customer" | "action";
  text: string;
  /** For an action turn: the button and its slot values; `error` marks a failed click the agent retries. */
  action?: { button: string; args: Record<string, string>; error?: boolean };
}

export interface AbcdDialogue {
  id: string;
  origin: "real" | "semi-synthetic";
  subflow: string;
  /** The procedure the agent carried out: ABCD's annotated actions (real) or the subflow's kb.json actions (semi-synthetic). */
  reference: string[];
  turns: AbcdTurn[];
}

export interface AbcdFixture {
  source: string;
  license: string;
  dialogues: AbcdDialogue[];
}

const DIR = path.join(import.meta.dirname, "..", "data", "skills");
export const FIXTURE_PATH = path.join(DIR, "abcd-dialogues.json");

interface Ontology {
  actions: Record<string, Record<string, string[]>>;
  values: { enumerable: Record<string, string[]> };
}

/** Every action's slot names, from ABCD's ontology. */
export function actionSlots(ontology: Ontology): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const group of Object.values(ontology.actions)) Object.assign(out, group);
  return out;
}

export function loadRaw(): { kb: Record<string, string[]>; ontology: Ontology; sample: Array<{ convo_id: number; subflow: string; original: Array<[string, string]>; actions: Array<{ turn: number; button: string; values: string[] }> }> } {
  const read = (f: string) => JSON.parse(readFileSync(path.join(DIR, "raw", f), "utf8")) as unknown;
  return {
    kb: read("kb.json") as Record<string, string[]>,
    ontology: read("ontology.actions.json") as Ontology,
    sample: read("abcd_sample.trimmed.json") as ReturnType<typeof loadRaw>["sample"],
  };
}

/** A slot name as a tool-argument key: "details_slotval" → "details". */
function argKey(slot: string): string {
  return slot.replace(/_slotval$/, "");
}

/** The real sample: turns as recorded, each action turn with its button and its values under the ontology's slot names. */
export function convertReal(raw: ReturnType<typeof loadRaw>): AbcdDialogue[] {
  const slots = actionSlots(raw.ontology);
  return raw.sample.map((c) => {
    const byTurn = new Map(c.actions.map((a) => [a.turn, a]));
    const turns: AbcdTurn[] = c.original.map(([speaker, text], i) => {
      const a = byTurn.get(i);
      if (speaker !== "action" || !a) return { speaker: speaker as AbcdTurn["speaker"], text };
      const names = slots[a.button] ?? [];
      const args: Record<string, string> = {};
      a.values.forEach((v, k) => {
        const slot = names.length === a.values.length ? names[k]! : a.values.length === 1 && names[0] ? names[0] : `value_${k + 1}`;
        args[argKey(slot)] = v;
      });
      return { speaker: "action", text, action: { button: a.button, args } };
    });
    return { id: `abcd-${c.convo_id}`, origin: "real", subflow: c.subflow, reference: c.actions.map((a) => a.button), turns };
  });
}

/** mulberry32: a small seeded PRNG, so that the fixture is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seedOf(s: string): number {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

const DETAIL_KINDS: Array<{ name: string; key: string; value: (sc: Scenario) => string }> = [
  { name: "full address", key: "full_address", value: (sc) => sc.address },
  { name: "account ID", key: "account_id", value: (sc) => sc.account_id },
  { name: "username", key: "username", value: (sc) => sc.username },
  { name: "email address", key: "email", value: (sc) => sc.email },
  { name: "pin number", key: "pin_number", value: (sc) => sc.pin },
];

interface Scenario {
  name: string;
  username: string;
  email: string;
  account_id: string;
  order_id: string;
  zip: string;
  phone: string;
  address: string;
  pin: string;
  product: string;
  level: string;
  amount: string;
}

function scenario(r: () => number, ont: Ontology): Scenario {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join("");
  const name = pick(ont.values.enumerable.customer_name!).toLowerCase();
  const [first, last] = name.split(" ") as [string, string];
  const username = `${first[0]}${last}${digits(3)}`;
  const zip = digits(5);
  return {
    name,
    username,
    email: `${username}@email.com`,
    account_id: Array.from({ length: 10 }, () => "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[Math.floor(r() * 36)]).join(""),
    order_id: digits(10),
    zip,
    phone: `(${digits(3)}) ${digits(3)}-${digits(4)}`,
    address: `${digits(4)} ${pick(["lincoln ave", "1st ave", "elm st", "lexington ave", "brushy bend"])} ${pick(["raleigh, mi", "san mateo, ny", "la fayette, tx", "monterey, ca"])} ${zip}`,
    pin: digits(3),
    product: pick(ont.values.enumerable.product!),
    level: pick(ont.values.enumerable.membership_level!),
    amount: String(20 + Math.floor(r() * 80)),
  };
}

/** The customer's answer to the agent's turn before `button`, and the action's arguments. */
function exchange(button: string, sc: Scenario, r: () => number, ont: Ontology, subflow: string): { fill: Record<string, string>; answer: string[]; args: Record<string, string> } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const en = ont.values.enumerable;
  switch (button) {
    case "pull-up-account":
      return { fill: {}, answer: [r() < 0.5 ? sc.name.replace(/\b\w/g, (c) => c.toUpperCase()) : `it's ${sc.name}`], args: { customer_name: sc.name } };
    case "verify-identity":
      return { fill: {}, answer: [`my account ID is ${sc.account_id}`, `and the order ID is ${sc.order_id}`], args: { customer_name: sc.name, account_id: sc.account_id.toLowerCase(), order_id: sc.order_id } };
    case "validate-purchase":
      return { fill: {}, answer: [`Username: ${sc.username}`, sc.email, `Order ID: ${sc.order_id}`], args: { username: sc.username, email: sc.email, order_id: sc.order_id } };
    case "enter-details": {
      const kind = pick(DETAIL_KINDS);
      return { fill: { detail_name: kind.name }, answer: [kind.value(sc)], args: { [kind.key]: kind.value(sc) } };
    }
    case "make-password":
      return { fill: {}, answer: [r() < 0.5 ? `my pin is ${sc.pin}` : pick(en.security_answer!)], args: {} };
    case "record-reason": {
      const reason = pick(en.reason_slotval!);
      return { fill: {}, answer: [`it's about the ${reason}`], args: { reason: reason } };
    }
    case "update-account": {
      const v = pick(en.account_slotval!);
      return { fill: {}, answer: [`yes please, ${v}`], args: { account: v } };
    }
    case "offer-refund":
      return { fill: {}, answer: [`$${sc.amount}`], args: { amount: sc.amount } };
    case "membership":
      return { fill: {}, answer: [`I'm a ${sc.level} member`], args: { membership_level: sc.level } };
    case "update-order": {
      const v = pick(en.order_slotval!);
      return { fill: {}, answer: [`${v} please`], args: { order: v } };
    }
    case "shipping-status": {
      const v = pick(en.shipping_option!);
      return { fill: {}, answer: [`it says ${v}`], args: { shipping_option: v } };
    }
    case "make-purchase":
      return { fill: { product: sc.product }, answer: ["great, thank you"], args: { product: sc.product } };
    case "notify-team": {
      const team = pick(en.company_team!);
      return { fill: { team }, answer: ["ok, sounds good"], args: { company_team: team } };
    }
    case "select-faq":
      return { fill: { faq_answer: pick(FAQ_ANSWERS) }, answer: ["perfect, thanks"], args: { faq: `${subflow}_${1 + Math.floor(r() * 4)}` } };
    case "try-again":
    case "log-out-in":
    case "instructions":
      return { fill: {}, answer: [pick(["ok, one second", "done, still the same", "ok it works now"])], args: {} };
    default:
      return { fill: {}, answer: [], args: {} };
  }
}

function fillText(t: string, vars: Record<string, string>): string {
  return t.replace(/\{([a-z_]+)\}/g, (w, k: string) => vars[k] ?? w);
}

function actionText(button: string, args: Record<string, string>): string {
  const first = Object.values(args)[0] ?? "";
  const t = ACTION_TEXTS[button] ?? (button.startsWith("search-") ? `System Action: search ${button.slice(7)}` : "Done.");
  return fillText(t, { customer_name: args.customer_name ?? first, value: first });
}

/**
 * One semi-synthetic dialogue of `subflow`: greeting, the customer's request, for each action of
 * the subflow the agent's turn, the customer's answer and the action; small talk between steps
 * (p 0.2), a failed click retried (p 0.1) or a click repeated (p 0.1), and a closing.
 */
export function synthesize(subflow: string, sequence: readonly string[], variant: number, ont: Ontology): AbcdDialogue {
  const r = rng(seedOf(`${subflow}#${variant}`));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const sc = scenario(r, ont);
  const turns: AbcdTurn[] = [];
  const request = fillText(pick(OPENINGS), { req: pick(SUBFLOW_REQUESTS[subflow] ?? [`get help with ${subflow.replace(/_/g, " ")}`]) });
  if (r() < 0.5) turns.push({ speaker: "agent", text: pick(GREETINGS) }, { speaker: "customer", text: request });
  else turns.push({ speaker: "customer", text: request }, { speaker: "agent", text: pick(GREETINGS).replace(/^.*?\b(how)/i, "$1") });
  for (const button of sequence) {
    if (r() < 0.2) {
      const [a, c] = pick(CHITCHAT);
      turns.push({ speaker: "agent", text: a }, { speaker: "customer", text: c });
    }
    const ex = exchange(button, sc, r, ont, subflow);
    const say = AGENT_TURNS[button];
    if (say) turns.push({ speaker: "agent", text: fillText(pick(say), ex.fill) });
    for (const a of ex.answer) turns.push({ speaker: "customer", text: a });
    const roll = r();
    if (roll < 0.1) {
      turns.push({ speaker: "action", text: "Error: the system could not find a matching record.", action: { button, args: ex.args, error: true } });
      turns.push({ speaker: "agent", text: "sorry, that did not go through, let me try again" });
    }
    turns.push({ speaker: "action", text: actionText(button, ex.args), action: { button, args: ex.args } });
    if (roll >= 0.1 && roll < 0.2) turns.push({ speaker: "action", text: actionText(button, ex.args), action: { button, args: ex.args } });
  }
  const [q, a, bye] = pick(CLOSINGS);
  turns.push({ speaker: "agent", text: q }, { speaker: "customer", text: a }, { speaker: "agent", text: bye });
  return { id: `synth-${subflow}-${variant}`, origin: "semi-synthetic", subflow, reference: [...sequence], turns };
}

/** The whole fixture: the real sample, then `perSubflow` semi-synthetic dialogues for every kb.json subflow. */
export function buildFixture(perSubflow = 3): AbcdFixture {
  const raw = loadRaw();
  const dialogues = convertReal(raw);
  for (const [subflow, seq] of Object.entries(raw.kb)) for (let v = 0; v < perSubflow; v++) dialogues.push(synthesize(subflow, seq, v, raw.ontology));
  return {
    source: "https://github.com/asappresearch/abcd (data/abcd_sample.json, data/kb.json, data/ontology.json)",
    license: "MIT (ASAPP, Inc.)",
    dialogues,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const fixture = buildFixture();
  writeFileSync(FIXTURE_PATH, `${JSON.stringify(fixture)}\n`);
  console.log(`wrote ${fixture.dialogues.length} dialogues to ${path.relative(process.cwd(), FIXTURE_PATH)}`);
}
