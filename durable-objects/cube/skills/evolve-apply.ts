// The cube's side of Mem2Skill evolution: each mined draft is created, folded into a skill doing the same thing, or upgrades it.
import type { CubeIdentity } from "../../../src/memory/cube-contract";
import type { Skill, SkillDraft } from "../../../src/memory/skills/types";
import { evolveSkill, skillHash } from "../../../src/memory/skills/evolve";
import { cosine } from "../../../src/memory/retrieval/fusion";
import { changeSkill, insertSkill, liveSkillRows, rowToSkill, seenAgain, skillRow, skillVectors, type SkillRow } from "./store";

export interface EvolveOutcome {
  created: string[];
  upgraded: string[];
  duplicates: string[];
  decisions: Array<{ index: number; action: "create" | "duplicate" | "upgrade"; skill_id: string; name: string; reason: string }>;
}

export interface MinedBatch {
  job_id: string;
  embedder: string;
  drafts: ReadonlyArray<{ draft: SkillDraft; vector: Float32Array | null }>;
  user_id: string | null;
  agent_id: string | null;
  source_memory_ids: readonly string[];
}

/**
 * Applies a job's drafts one after the other, each against the cube's live skills of the same
 * user (those the earlier drafts of the batch created or upgraded included), so that a batch never
 * stores two copies of one skill. Inside a transaction: all or nothing.
 */
export function applyMinedDrafts(sql: SqlStorage, identity: CubeIdentity, batch: MinedBatch, now: number): EvolveOutcome {
  const out: EvolveOutcome = { created: [], upgraded: [], duplicates: [], decisions: [] };
  batch.drafts.forEach(({ draft, vector }, index) => {
    const vectors = skillVectors(sql, batch.embedder);
    const existing: Array<{ skill: Skill; similarity: number | null; row: SkillRow }> = liveSkillRows(sql)
      .filter((r) => r.user_id === batch.user_id)
      .map((row) => {
        const v = vectors.get(row.id);
        return { row, skill: rowToSkill(sql, row, identity), similarity: vector && v && v.length === vector.length ? cosine(vector, v) : null };
      });
    const decision = evolveSkill(draft, existing.map(({ skill, similarity }) => ({ skill, similarity })));
    if (decision.action === "create") {
      const skill = insertSkill(
        sql,
        identity,
        {
          draft,
          hash: skillHash(draft),
          user_id: batch.user_id,
          agent_id: batch.agent_id,
          origin: "mined",
          state: "probationary",
          hub: null,
          source_memory_ids: batch.source_memory_ids,
          embedding: { embedder: batch.embedder, vector },
          reason: "created",
          source: batch.job_id,
        },
        now,
      );
      out.created.push(skill.id);
      out.decisions.push({ index, action: "create", skill_id: skill.id, name: skill.name, reason: "no skill does the same thing" });
      return;
    }
    const row = skillRow(sql, decision.target_id);
    if (!row) throw new Error(`evolution named skill ${decision.target_id}, which the cube does not hold`);
    if (decision.action === "duplicate") {
      seenAgain(sql, row, draft.source_message_ids, batch.source_memory_ids, now);
      if (!out.duplicates.includes(row.id)) out.duplicates.push(row.id);
      out.decisions.push({ index, action: "duplicate", skill_id: row.id, name: row.name, reason: decision.reason });
      return;
    }
    const merged: SkillDraft = { ...decision.merged, source_message_ids: [...new Set([...decision.merged.source_message_ids, ...draft.source_message_ids])] };
    // The merged text is close to the new draft's: its vector stands in until the skill is edited.
    changeSkill(sql, identity, row, { draft: merged, hash: skillHash(merged), embedding: { embedder: batch.embedder, vector }, source_memory_ids: batch.source_memory_ids }, "upgraded", batch.job_id, now);
    if (!out.upgraded.includes(row.id)) out.upgraded.push(row.id);
    out.decisions.push({ index, action: "upgrade", skill_id: row.id, name: merged.name, reason: decision.reason });
  });
  return out;
}
