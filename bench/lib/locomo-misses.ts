// Where fast-mode retrieval loses LoCoMo questions: evidence never extracted, or extracted but
// ranked below k. Prints counts and writes every miss with its ranks and score breakdowns as JSON.
// Run: npx tsx bench/lib/locomo-misses.ts [path/to/locomo.json] [out.json]   (k = 10)
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadLocomo } from "./locomo";
import { ingestFast, questions, turnContent, type SearchAnswer } from "./locomo-ingest";
import { startServer } from "./server";

const K = 10;
const DEPTH = 100;
const file = process.argv[2] ?? "../shared/data/locomo/locomo-dev5.json";
const outFile = process.argv[3] ?? path.join(tmpdir(), "locomo-misses.json");

type Hit = SearchAnswer["results"][number];

async function main(): Promise<void> {
  const { conversations } = loadLocomo(file);
  const server = await startServer();
  const run = Date.now().toString(36);
  const misses: unknown[] = [];
  const counts = { questions: 0, hit: 0, notExtracted: 0, rankedBelow: 0, notRetrieved: 0 };
  try {
    for (const conv of conversations) {
      const user = `miss-${conv.sampleId}-${run}`;
      const { map, failed } = await ingestFast(server, conv, user);
      if (failed) throw new Error(failed);
      const covered = new Set<string>();
      let cursor: string | null = null;
      do {
        const page = await server.client.memories.list({ user_id: user, limit: 200, ...(cursor ? { cursor } : {}) });
        for (const m of page.memories) for (const d of map(m)) covered.add(d);
        cursor = page.next_cursor;
      } while (cursor);
      const textOf = new Map(conv.turns.map((t) => [t.diaId, `${t.speaker}: ${turnContent(t)}`]));
      for (const qa of questions(conv)) {
        counts.questions++;
        const res = await server.client.search({ user_id: user, query: qa.question, top_k: DEPTH, record_access: false });
        const ranks = res.results.map((r) => map(r.memory).some((d) => qa.evidence.includes(d)));
        const first = ranks.indexOf(true);
        if (first >= 0 && first < K) {
          counts.hit++;
          continue;
        }
        const extracted = qa.evidence.some((d) => covered.has(d));
        if (!extracted) counts.notExtracted++;
        else if (first >= 0) counts.rankedBelow++;
        else counts.notRetrieved++;
        const brief = (h: Hit) => ({ text: h.memory.text, turns: map(h.memory), score: +h.score.toFixed(4), breakdown: h.score_breakdown });
        misses.push({
          conv: conv.sampleId,
          category: qa.category,
          question: qa.question,
          answer: qa.answer,
          evidence: qa.evidence.map((d) => ({ id: d, extracted: covered.has(d), text: textOf.get(d) })),
          first_evidence_rank: first >= 0 ? first + 1 : null,
          first_evidence: first >= 0 ? brief(res.results[first]!) : null,
          top: res.results.slice(0, 5).map(brief),
        });
      }
    }
  } finally {
    await server.stop();
  }
  console.log(JSON.stringify(counts));
  writeFileSync(outFile, JSON.stringify(misses, null, 2) + "\n");
  console.log(`wrote ${misses.length} misses at k=${K} to ${outFile}`);
}

await main();
