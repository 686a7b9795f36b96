// bench:pii — precision, recall and F1 per type of detectPii on the labeled set bench/data/pii/set.jsonl
// plus every LoCoMo turn as a negative, beside a baseline of plain patterns (no checksums, no context
// rules) scored in the same run; then throughput. Matching: a prediction counts only when its type,
// start and end equal a labeled span's. Usage: npm run bench:pii [set.jsonl] (PII_SHOW=N prints
// misses; PII_API=1 also scores the answers of POST /v1/privacy/detect of a wrangler dev, or of
// MEMOS_URL with MEMOS_API_KEY, so that a labeled set is run through the API.)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { detectPii, resolveOverlaps, type PiiType, type Span } from "../src/governance/pii";
import { loadLocomo } from "./lib/locomo";
import { startServer } from "./lib/server";

const ROOT = path.resolve(import.meta.dirname, "..");
const SET = process.argv[2] ?? path.join(ROOT, "bench", "data", "pii", "set.jsonl");
const LOCOMO = path.resolve(ROOT, "..", "shared", "data", "locomo", "locomo-dev5.json");
const SHOW = Number(process.env.PII_SHOW ?? 0);
const VIA_API = process.env.PII_API === "1";
/** The structured types the targets apply to (recall ≥ 0.97, precision ≥ 0.95). */
const STRUCTURED: PiiType[] = ["EMAIL", "PHONE", "CARD", "IBAN", "SSN", "CN_ID", "IP"];

interface Example {
  id: string;
  kind: string;
  source: string;
  text: string;
  spans: { type: PiiType; start: number; end: number }[];
}
type Detector = (text: string) => { type: PiiType; start: number; end: number }[];

/** Plain patterns without checksums, validators or context: what a first regex pass would catch. */
const BASELINE: [PiiType, RegExp][] = [
  ["PRIVATE_KEY", /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g],
  ["JWT", /eyJ[\w-]+\.[\w-]+\.[\w-]+/g],
  ["API_KEY", /\b(?:AKIA[0-9A-Z]{16}|gh[pousr]_\w{36}|github_pat_\w+|xox[abpr]-[\w-]+|[sr]k_(?:live|test)_\w+|sk-[\w-]{20,}|AIza[\w-]{35})/g],
  ["SECRET", /(?<=Bearer\s+)\S+|(?<=secret\S*\s*[=:]?\s*["']?)[A-Za-z0-9/+]{40}/gi],
  ["PASSWORD", /(?<=(?:password|密码)\s*(?:is|是|为|:|：|=)\s*)\S+/gi],
  ["EMAIL", /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g],
  ["IBAN", /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g],
  ["CARD", /\b\d{4}(?:[ -]?\d{3,6}){2,3}\b/g],
  ["CN_ID", /\b\d{17}[\dXx]\b/g],
  ["SSN", /\b\d{3}-\d{2}-\d{4}\b/g],
  ["IP", /\b(?:\d{1,3}\.){3}\d{1,3}\b|\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:)+:(?:[0-9a-f]{1,4}:?)*\b/gi],
  ["PHONE", /(?:\+|\b)\d[\d ().-]{6,}\d\b/g],
];
const baseline: Detector = (text) => {
  const spans: Span[] = [];
  for (const [type, re] of BASELINE) {
    for (const m of text.matchAll(re)) spans.push({ type, start: m.index, end: m.index + m[0].length, value: m[0], normalized: m[0] });
  }
  return resolveOverlaps(spans);
};

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

/** The detector's answers as POST /v1/privacy/detect gives them, by text, 100 texts a request. */
async function apiAnswers(examples: readonly Example[]): Promise<Map<string, { type: PiiType; start: number; end: number }[]>> {
  const server = await startServer();
  const out = new Map<string, { type: PiiType; start: number; end: number }[]>();
  try {
    const texts = [...new Set(examples.map((e) => e.text))];
    for (let i = 0; i < texts.length; i += 100) {
      const batch = texts.slice(i, i + 100);
      const { data: r } = await server.single.POST("/v1/privacy/detect", { body: { texts: batch } });
      if (!r) throw new Error("POST /v1/privacy/detect: no body");
      batch.forEach((t, j) => out.set(t, r.results[j]?.spans ?? []));
    }
  } finally {
    await server.stop();
  }
  return out;
}

function score(examples: readonly Example[], detect: Detector, misses?: string[]): Map<string, Counts> {
  const table = new Map<string, Counts>();
  const row = (t: string): Counts => {
    let r = table.get(t);
    if (!r) table.set(t, (r = { tp: 0, fp: 0, fn: 0 }));
    return r;
  };
  for (const ex of examples) {
    const predicted = detect(ex.text);
    const key = (s: { type: string; start: number; end: number }): string => `${s.type}:${s.start}:${s.end}`;
    const gold = new Set(ex.spans.map(key));
    const got = new Set(predicted.map(key));
    for (const s of predicted) {
      const hit = gold.has(key(s));
      for (const t of ["all", s.type]) row(t)[hit ? "tp" : "fp"]++;
      if (!hit && misses) misses.push(`FP ${s.type} [${ex.text.slice(s.start, s.end)}] in ${ex.id} (${ex.source}): ${ex.text.slice(0, 120)}`);
    }
    for (const s of ex.spans) {
      if (got.has(key(s))) continue;
      for (const t of ["all", s.type]) row(t).fn++;
      if (misses) misses.push(`FN ${s.type} [${ex.text.slice(s.start, s.end)}] in ${ex.id} (${ex.source})`);
    }
  }
  return table;
}

const ratio = (a: number, b: number): number => (b === 0 ? Number.NaN : a / b);
function prf(c: Counts): { p: number; r: number; f1: number } {
  const p = ratio(c.tp, c.tp + c.fp);
  const r = ratio(c.tp, c.tp + c.fn);
  return { p, r, f1: (2 * p * r) / (p + r) };
}
const fmt = (x: number): string => (Number.isNaN(x) ? "-" : x.toFixed(3));

function load(): { examples: Example[]; labeled: number; locomo: number } {
  const examples: Example[] = readFileSync(SET, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Example);
  const labeled = examples.length;
  let locomo = 0;
  if (existsSync(LOCOMO)) {
    for (const c of loadLocomo(LOCOMO).conversations) {
      for (const t of c.turns) {
        examples.push({ id: `${c.sampleId}:${t.diaId}`, kind: "negative", source: "locomo", text: t.text, spans: [] });
        locomo++;
      }
    }
  }
  return { examples, labeled, locomo };
}

async function main(): Promise<void> {
  const { examples, labeled, locomo } = load();
  const misses: string[] = [];
  const ours = score(examples, (t) => detectPii(t), misses);
  const base = score(examples, baseline);
  const gold = new Map<string, number>();
  for (const ex of examples) for (const s of ex.spans) gold.set(s.type, (gold.get(s.type) ?? 0) + 1);

  console.log(`labeled set ${path.relative(ROOT, SET)}: ${labeled} texts; LoCoMo turns as negatives: ${locomo}`);
  console.log("matching: same type and exact start/end\n");
  console.log("| type | labeled | ours P | ours R | ours F1 | baseline P | baseline R | baseline F1 | target |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  const types = [...new Set([...gold.keys()])].sort();
  const rows: Record<string, unknown> = {};
  let allMet = true;
  for (const t of [...types, "all"]) {
    const o = prf(ours.get(t) ?? { tp: 0, fp: 0, fn: 0 });
    const b = prf(base.get(t) ?? { tp: 0, fp: 0, fn: 0 });
    const structured = STRUCTURED.includes(t as PiiType);
    const met = o.r >= 0.97 && o.p >= 0.95;
    if (structured && !met) allMet = false;
    const n = t === "all" ? [...gold.values()].reduce((a, x) => a + x, 0) : gold.get(t) ?? 0;
    console.log(`| ${t} | ${n} | ${fmt(o.p)} | ${fmt(o.r)} | ${fmt(o.f1)} | ${fmt(b.p)} | ${fmt(b.r)} | ${fmt(b.f1)} | ${structured ? (met ? "met" : "MISSED") : "-"} |`);
    rows[t] = { labeled: n, ours: { ...ours.get(t), ...o }, baseline: { ...base.get(t), ...b } };
  }
  // Phones rely partly on a phone word before them: the same values alone, without their sentence.
  const phones = examples.flatMap((e) => e.spans.filter((s) => s.type === "PHONE").map((s) => e.text.slice(s.start, s.end)));
  const bare = phones.filter((v) => detectPii(v).some((s) => s.type === "PHONE" && s.start === 0 && s.end === v.length)).length;
  if (VIA_API) {
    const answers = await apiAnswers(examples);
    const viaApi = score(examples, (t) => answers.get(t) ?? []);
    const a = prf(viaApi.get("all") ?? { tp: 0, fp: 0, fn: 0 });
    const o = prf(ours.get("all") ?? { tp: 0, fp: 0, fn: 0 });
    const same = examples.every((e) => JSON.stringify(answers.get(e.text)) === JSON.stringify(detectPii(e.text).map((x) => ({ type: x.type, start: x.start, end: x.end }))));
    console.log(`\nthrough POST /v1/privacy/detect: P ${fmt(a.p)} R ${fmt(a.r)} F1 ${fmt(a.f1)} (in Node: ${fmt(o.p)} ${fmt(o.r)} ${fmt(o.f1)}); every answer identical to Node's: ${same}`);
  }
  console.log(`\nPHONE values alone, without their carrier sentence: recall ${fmt(bare / phones.length)} (${bare} of ${phones.length})`);
  console.log(`targets (recall ≥ 0.97, precision ≥ 0.95 on ${STRUCTURED.join(", ")}): ${allMet ? "met" : "NOT met"}`);

  // Throughput: the whole set, repeated for at least two seconds.
  const bytes = examples.reduce((a, e) => a + Buffer.byteLength(e.text), 0);
  let texts = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 2000) {
    for (const e of examples) detectPii(e.text);
    texts += examples.length;
  }
  const secs = (performance.now() - t0) / 1000;
  const rounds = texts / examples.length;
  console.log(`throughput: ${Math.round(texts / secs).toLocaleString("en-US")} texts/s, ${((bytes * rounds) / secs / 1e6).toFixed(2)} MB/s (Node ${process.version}, one thread)`);
  if (SHOW > 0) for (const m of misses.slice(0, SHOW)) console.log(m);

  const out = path.join(ROOT, "bench", "results");
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, "pii.json"), JSON.stringify({ set: path.relative(ROOT, SET), labeled, locomo, rows, phoneRecallAlone: bare / phones.length, targetsMet: allMet, textsPerSecond: texts / secs, node: process.version }, null, 2) + "\n");
}

await main();
