// Quality and speed signal for the `fast` extractor on LoCoMo: turns/s, candidates per turn, and
// how much of the dataset's gold `observation` facts the candidates of the same turn cover.
// Run: npx tsx bench/lib/extract-stats.ts [path/to/locomo.json] [--samples N]
import { readFileSync } from "node:fs";
import { extractFast } from "../../src/memory/extraction/rules";
import { isStopWord, stem, tokenize } from "../../src/memory/text";
import type { CandidateMemory, RawMessage } from "../../src/memory/types";
import { Bm25, plainTokens } from "./bm25";
import { loadLocomo } from "./locomo";
import { recallAt } from "./metrics";

const path = process.argv[2] && !process.argv[2].startsWith("--") ? process.argv[2] : "../shared/data/locomo/locomo-dev5.json";
const samplesArg = process.argv.indexOf("--samples");
const showSamples = samplesArg > 0 ? Number(process.argv[samplesArg + 1] ?? 10) : 0;

const { conversations } = loadLocomo(path);
const raw = JSON.parse(readFileSync(path, "utf8")) as { sample_id: string; observation?: Record<string, Record<string, [string, string][]>> }[];

const keyWords = (text: string, drop: ReadonlySet<string>): Set<string> =>
  new Set(tokenize(text).filter((t) => !isStopWord(t) && !drop.has(t) && t.length > 1).map(stem));

let turns = 0;
let candidates = 0;
let elapsed = 0;
let facts = 0;
let coveredHalf = 0;
let coverageSum = 0;
let turnsWithCandidates = 0;
let factTurnsWithCandidates = 0;
// Same plain BM25 over raw turns and over extracted candidates: a quick check that extraction helps.
const KS = [1, 5, 10, 20] as const;
const recall = { turns: KS.map(() => 0), memories: KS.map(() => 0) };
let questions = 0;
function rank(docs: readonly string[], ids: readonly (readonly string[])[], q: string): (readonly string[])[] {
  const bm = new Bm25(docs.map(plainTokens));
  const scores = bm.scores(plainTokens(q));
  return [...scores.keys()].sort((a, b) => scores[b]! - scores[a]!).slice(0, 20).map((i) => ids[i]!);
}
const typeCounts = new Map<string, number>();
const misses: string[] = [];

for (const conv of conversations) {
  const messages: RawMessage[] = conv.turns.map((t) => ({
    id: t.diaId,
    role: "user",
    name: t.speaker,
    content: t.caption ? `${t.text} [shared ${t.caption}]` : t.text,
    timestamp: t.sessionTime ?? 0,
    user_id: null,
    agent_id: null,
    session_id: `s${t.session}`,
  }));
  // One window per session, as the consumer would see them.
  const bySession = new Map<string, RawMessage[]>();
  for (const m of messages) bySession.set(m.session_id!, [...(bySession.get(m.session_id!) ?? []), m]);
  const cands: CandidateMemory[] = [];
  const t0 = performance.now();
  for (const list of bySession.values()) cands.push(...extractFast(list, { speakers: conv.speakers }));
  elapsed += performance.now() - t0;
  turns += messages.length;
  candidates += cands.length;
  for (const c of cands) typeCounts.set(c.type, (typeCounts.get(c.type) ?? 0) + 1);

  const wordsByTurn = new Map<string, Set<string>>();
  const textByTurn = new Map<string, string[]>();
  for (const c of cands) {
    for (const id of c.source_message_ids) {
      const set = wordsByTurn.get(id) ?? new Set<string>();
      for (const w of keyWords(c.text, new Set())) set.add(w);
      wordsByTurn.set(id, set);
      textByTurn.set(id, [...(textByTurn.get(id) ?? []), c.text]);
    }
  }
  turnsWithCandidates += new Set(cands.flatMap((c) => c.source_message_ids.slice(0, 1))).size;

  const turnDocs = conv.turns.map((t) => `${t.speaker}: ${t.text}${t.caption ? ` [shared ${t.caption}]` : ""}`);
  const turnIds = conv.turns.map((t) => [t.diaId]);
  for (const q of conv.qa) {
    if (q.category < 1 || q.category > 4 || q.evidence.length === 0) continue;
    questions++;
    const rt = rank(turnDocs, turnIds, q.question);
    const rm = rank(cands.map((c) => c.text), cands.map((c) => c.source_message_ids), q.question);
    KS.forEach((k, i) => {
      recall.turns[i]! += recallAt(rt, q.evidence, k).any;
      recall.memories[i]! += recallAt(rm, q.evidence, k).any;
    });
  }

  const names = new Set(conv.speakers.map((s) => s.toLowerCase()));
  const sample = raw.find((s) => s.sample_id === conv.sampleId);
  for (const obs of Object.values(sample?.observation ?? {})) {
    for (const list of Object.values(obs)) {
      for (const [fact, diaId] of list) {
        for (const id of String(diaId).split(/[;,\s]+/).filter(Boolean).slice(0, 1)) {
          const want = keyWords(fact, names);
          if (want.size === 0) continue;
          facts++;
          const have = wordsByTurn.get(id) ?? new Set<string>();
          if (have.size) factTurnsWithCandidates++;
          let hit = 0;
          for (const w of want) if (have.has(w)) hit++;
          const cov = hit / want.size;
          coverageSum += cov;
          if (cov >= 0.5) coveredHalf++;
          else if (misses.length < showSamples * 4) misses.push(`${id} gold: ${fact}\n    got: ${(textByTurn.get(id) ?? ["(nothing)"]).join(" | ")}`);
        }
      }
    }
  }
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
console.log(`turns ${turns}, candidates ${candidates} (${(candidates / turns).toFixed(2)} per turn), turns with a candidate ${pct(turnsWithCandidates / turns)}`);
console.log(`throughput ${Math.round(turns / (elapsed / 1000))} turns/s (${elapsed.toFixed(0)} ms extraction only)`);
console.log(`types ${[...typeCounts].map(([k, v]) => `${k} ${v}`).join(", ")}`);
console.log(`observation facts ${facts}: turn has a candidate ${pct(factTurnsWithCandidates / facts)}, key words ≥50% covered ${pct(coveredHalf / facts)}, mean key-word coverage ${pct(coverageSum / facts)}`);
const row = (xs: number[]): string => KS.map((k, i) => `R@${k} ${(xs[i]! / questions).toFixed(3)}`).join("  ");
console.log(`plain BM25 recall_any over ${questions} questions: raw turns ${row(recall.turns)}`);
console.log(`${" ".repeat(String(questions).length + 44)}candidates ${row(recall.memories)}`);
for (const m of misses.filter((_, i) => i % 4 === 0).slice(0, showSamples)) console.log(`  miss ${m}`);
