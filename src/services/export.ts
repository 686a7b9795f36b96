// Exporting a scope as NDJSON: memories with every version, watermarked, desensitized unless the key may read personal data, audited.
import { placeholdersIn, reveal } from "../governance/pii";
import type { Memory } from "../memory/types";
import { reachCube, type CubeTarget, type Principal } from "./access";
import { actorOf, recordTenantEvent } from "./audit";
import { unwrap } from "./cubes";
import type { Deps } from "./deps";
import { visibleFilter } from "./memories";
import type { Skill } from "../memory/skills/types";
import { draftTexts, withTexts } from "../memory/skills-contract";
import type { CubeIdentity } from "../memory/cube-contract";
import type { CubeRpc } from "./cubes";

/** Skill lines of an export, texts revealed with the vault's values when the key may read personal data; answers how many. */
async function* skillLines(cube: CubeRpc, identity: CubeIdentity, filter: { user_id?: string; agent_id?: string; visible_agents?: string[] }, revealPii: boolean): AsyncGenerator<ExportLine, number> {
  let after: number | null = null;
  let count = 0;
  do {
    const page: { skills: Skill[]; next_seq: number | null } = unwrap(await cube.listSkills({ identity, filter, limit: 100, after_seq: after }));
    for (const skill of page.skills) {
      const versions = unwrap(await cube.skillVersions(identity, skill.id, filter.visible_agents ? { visible_agents: filter.visible_agents } : {}));
      let shown = (s: Skill): Skill => s;
      if (revealPii) {
        const all = [skill, ...versions.map((v) => v.skill)];
        const wanted = [...new Set(all.flatMap((s) => draftTexts(s).flatMap((t) => placeholdersIn(t))))];
        const values = wanted.length ? unwrap(await cube.revealPlaceholders(identity, wanted)) : {};
        shown = (s) => ({ ...s, ...withTexts(s, draftTexts(s).map((t) => reveal(t, values))) });
      }
      count++;
      yield { type: "skill", skill: shown(skill), versions: versions.map((v) => ({ ...v, skill: shown(v.skill) })) };
    }
    after = page.next_seq;
  } while (after !== null);
  return count;
}

/** Memories read from the cube per call. */
const PAGE = 50;

export interface ExportQuery extends CubeTarget {
  agent_id?: string | undefined;
}

/** An export line: the header (with its watermark), one line per memory with its versions, the trailer (count and the same watermark). */
export type ExportLine =
  | { type: "export"; version: 1; tenant_id: string; cube_id: string; scope: ExportQuery; exported_at: string; desensitized: boolean; watermark: string }
  | { type: "memory"; memory: Memory; versions: Array<{ version: number; reason: string; source: string | null; at: number; memory: Memory }> }
  | { type: "skill"; skill: Skill; versions: Array<{ version: number; reason: string; source: string | null; at: number; skill: Skill }> }
  | { type: "end"; memories: number; skills: number; watermark: string };

/**
 * Prepares an export: checks the caller's reach first (so a refusal is a plain error answer,
 * before anything streams), records it in the tenant's audit chain, then yields its lines.
 */
export async function startExport(deps: Deps, db: D1Database, who: Principal, q: ExportQuery, revealPii: boolean): Promise<AsyncGenerator<ExportLine>> {
  const reach = await reachCube(deps, who, q, "read");
  const { identity } = reach;
  const watermark = await deps.watermarks.issue(who);
  await recordTenantEvent(db, who.tenant_id, actorOf(who), { action: "export", target_ids: [identity.cube_id] });
  const filter = { ...(q.user_id !== undefined ? { user_id: q.user_id } : {}), ...(q.agent_id !== undefined ? { agent_id: q.agent_id } : {}), ...visibleFilter(reach) };
  const cube = deps.cube(identity);
  return (async function* lines(): AsyncGenerator<ExportLine> {
    yield { type: "export", version: 1, tenant_id: who.tenant_id, cube_id: identity.cube_id, scope: q, exported_at: new Date().toISOString(), desensitized: !revealPii, watermark };
    let after: number | null = null;
    let count = 0;
    do {
      const page: { items: Array<{ memory: Memory; versions: Extract<ExportLine, { type: "memory" }>["versions"] }>; next_seq: number | null } = unwrap(
        await cube.exportMemories({ identity, filter, limit: PAGE, after_seq: after }),
      );
      let values: Record<string, string> = {};
      if (revealPii) {
        const wanted = [...new Set(page.items.flatMap((i) => [i.memory, ...i.versions.map((v) => v.memory)].flatMap((m) => placeholdersIn(m.text))))];
        if (wanted.length > 0) values = unwrap(await cube.revealPlaceholders(identity, wanted));
      }
      const shown = (m: Memory): Memory => (revealPii ? { ...m, text: reveal(m.text, values) } : m);
      for (const item of page.items) {
        count++;
        yield { type: "memory", memory: shown(item.memory), versions: item.versions.map((v) => ({ ...v, memory: shown(v.memory) })) };
      }
      after = page.next_seq;
    } while (after !== null);
    // The cube's skills of the scope follow, each with every version (a cube holds few).
    const skills = yield* skillLines(cube, identity, { ...filter }, revealPii);
    yield { type: "end", memories: count, skills, watermark };
  })();
}
