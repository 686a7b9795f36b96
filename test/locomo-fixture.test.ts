// A small fixed LoCoMo-format conversation with known evidence: a ranking regression fails here
// before it shows in `npm run bench:locomo`.
import { describe, expect, it } from "vitest";
import fixture from "./fixtures/locomo-mini.json";
import { api, newTenant, uniq } from "./helpers";

interface Turn { speaker: string; dia_id: string; text: string; blip_caption?: string }
interface Qa { question: string; evidence: string[]; category: number }
interface Hit { memory: { metadata: { dia_id?: string } } }

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

/** "1:56 pm on 8 May, 2023" → ISO (the session date of every turn). */
function sessionIso(s: string): string {
  const m = /(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([a-z]+),?\s+(\d{4})/i.exec(s);
  if (!m) throw new Error(`bad date ${s}`);
  const hour = (Number(m[1]) % 12) + (m[3]!.toLowerCase() === "pm" ? 12 : 0);
  return new Date(Date.UTC(Number(m[6]), MONTHS.indexOf(m[5]!.toLowerCase()), Number(m[4]), hour, Number(m[2]))).toISOString();
}

describe("LoCoMo fixture", () => {
  it("finds the evidence of every answerable question near the top, most at rank 1", async () => {
    const t = await newTenant();
    const user = uniq("conv");
    const sample = fixture[0]!;
    const conv = sample.conversation as unknown as Record<string, unknown>;
    for (let n = 1; Array.isArray(conv[`session_${n}`]); n++) {
      const timestamp = sessionIso(conv[`session_${n}_date_time`] as string);
      // One request per turn, in order, like the benchmark's raw-turn mode.
      for (const turn of conv[`session_${n}`] as Turn[]) {
        const content = turn.blip_caption ? `${turn.text} [shared a photo: ${turn.blip_caption}]` : turn.text;
        const res = await api(t, "POST", "/v1/memories", {
          user_id: user,
          session_id: `s${n}`,
          infer: false,
          messages: [{ role: "user", name: turn.speaker, content, timestamp }],
          metadata: { dia_id: turn.dia_id },
        });
        expect(res.status).toBe(201);
      }
    }
    const ranks: Record<string, number> = {};
    for (const qa of sample.qa as Qa[]) {
      if (qa.category > 4 || qa.evidence.length === 0) continue;
      const res = await api<{ results: Hit[] }>(t, "POST", "/v1/search", { user_id: user, query: qa.question, top_k: 10, record_access: false });
      const ids = res.body.results.map((r) => r.memory.metadata.dia_id);
      ranks[qa.question] = ids.findIndex((id) => id !== undefined && qa.evidence.includes(id)) + 1;
    }
    // 0 would mean "not found in the top 10". The career question shares no word with its
    // evidence ("counseling courses", "mental health"): only the top 10 is asked of it.
    const hard = "What career path is Caroline pursuing?";
    for (const [q, rank] of Object.entries(ranks)) {
      expect(rank, q).toBeGreaterThanOrEqual(1);
      expect(rank, q).toBeLessThanOrEqual(q === hard ? 10 : 3);
    }
    expect(Object.values(ranks).filter((r) => r === 1).length).toBeGreaterThanOrEqual(5);
  });
});
