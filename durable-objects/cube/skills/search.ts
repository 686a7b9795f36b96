// Skill search inside a cube: a lexical route (FTS5 BM25) and a vector route (brute force over the few skill vectors), fused by rank.
import type { CubeIdentity } from "../../../src/memory/cube-contract";
import type { Skill } from "../../../src/memory/skills/types";
import type { SkillFilter } from "../../../src/memory/skills-contract";
import { ftsMatch, queryWords } from "../../../src/memory/retrieval/query";
import { cosine } from "../../../src/memory/retrieval/fusion";
import { matchesFilter, rowToSkill, skillRow, skillVectors, type SkillRow } from "./store";

export interface ScoredSkill {
  skill: Skill;
  /** Fused score, 0..1 (1: first on both routes). */
  score: number;
  score_breakdown: { lexical_rank: number | null; vector: number | null };
}

/** Reciprocal-rank constant; with two routes a skill first on both scores 1. */
const RRF_K = 10;
/** A vector-only match weaker than this is noise (the embedded default's cosines of unrelated texts sit below it). */
export const SKILL_MIN_COSINE = 0.35;
const LEXICAL_LIMIT = 50;

export interface SkillSearchInput {
  query: string;
  vector: Float32Array | null;
  embedder: string;
  top_k: number;
  filter: SkillFilter;
  min_score: number;
}

/** Ranked skills of the cube for a query; retired skills only when the filter asks for them. */
export function searchSkills(sql: SqlStorage, identity: CubeIdentity, q: SkillSearchInput): ScoredSkill[] {
  const lexical = new Map<number, number>();
  const match = ftsMatch(queryWords(q.query), { prefixMin: 4 });
  if (match) {
    const rows = sql.exec<{ seq: number }>("SELECT rowid AS seq FROM skill_fts WHERE skill_fts MATCH ? ORDER BY bm25(skill_fts) LIMIT ?", match, LEXICAL_LIMIT).toArray();
    rows.forEach((r, i) => lexical.set(r.seq, i + 1));
  }
  const vectorScore = new Map<string, number>();
  if (q.vector) {
    for (const [id, v] of skillVectors(sql, q.embedder)) {
      if (v.length !== q.vector.length) continue;
      const c = cosine(q.vector, v);
      if (c >= SKILL_MIN_COSINE) vectorScore.set(id, c);
    }
  }
  const vectorRank = new Map([...vectorScore].sort((a, b) => b[1] - a[1]).map(([id], i) => [id, i + 1] as const));
  const rows = new Map<string, SkillRow>();
  for (const seq of lexical.keys()) {
    const row = sql.exec<SkillRow>("SELECT * FROM skills WHERE seq = ?", seq).toArray()[0];
    if (row) rows.set(row.id, row);
  }
  for (const id of vectorScore.keys()) {
    if (rows.has(id)) continue;
    const row = skillRow(sql, id);
    if (row) rows.set(id, row);
  }
  const best = 2 / (RRF_K + 1);
  const out: ScoredSkill[] = [];
  for (const row of rows.values()) {
    if (!matchesFilter(row, q.filter)) continue;
    if (q.filter.state === undefined && row.state === "retired") continue;
    const lr = lexical.get(row.seq) ?? null;
    const vr = vectorRank.get(row.id) ?? null;
    const fused = ((lr === null ? 0 : 1 / (RRF_K + lr)) + (vr === null ? 0 : 1 / (RRF_K + vr))) / best;
    if (fused < q.min_score) continue;
    out.push({ skill: rowToSkill(sql, row, identity), score: fused, score_breakdown: { lexical_rank: lr, vector: vectorScore.get(row.id) ?? null } });
  }
  return out.sort((a, b) => b.score - a.score || (a.skill.id < b.skill.id ? -1 : 1)).slice(0, q.top_k);
}
