// Deleted means gone through consolidation too: a merged memory loses a deleted original's statements, and deleting a merged memory deletes its originals.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { meanVector, mergeTexts } from "../../../src/memory/consolidate/plan";
import { normalizeForHash } from "../../../src/memory/text";
import { deleteMemory, getRow, updateMemory, type StoreContext } from "../memory-store";
import { rowToMemory } from "../rows";

interface Family {
  id: string;
  sources: string[];
}

/**
 * Live consolidated memories whose `consolidated_from` names one of `ids`, or that are one of them.
 * Only live rows are read as JSON (a deleted row's metadata is scrubbed to zeros).
 */
export function familiesOf(sql: SqlStorage, ids: readonly string[]): Family[] {
  if (ids.length === 0) return [];
  return sql
    .exec<{ id: string; metadata: string }>(
      `WITH c AS MATERIALIZED (SELECT id, metadata FROM memories WHERE state <> 'deleted' AND json_valid(metadata) AND json_type(metadata, '$.consolidated_from') = 'array')
       SELECT DISTINCT c.id AS id, c.metadata AS metadata FROM c, json_each(c.metadata, '$.consolidated_from') j
       WHERE j.value IN (SELECT value FROM json_each(?)) OR c.id IN (SELECT value FROM json_each(?))`,
      JSON.stringify(ids),
      JSON.stringify(ids),
    )
    .toArray()
    .map((r) => ({ id: r.id, sources: ((JSON.parse(r.metadata) as { consolidated_from?: unknown }).consolidated_from as unknown[]).filter((x): x is string => typeof x === "string") }));
}

function vectorOf(sql: SqlStorage, seq: number): { embedder: string; v: Float32Array } | undefined {
  const r = sql.exec<{ embedder: string; data: ArrayBuffer | null }>("SELECT embedder, data FROM vectors WHERE seq = ?", seq).toArray()[0];
  return r?.data && r.data.byteLength > 0 ? { embedder: r.embedder, v: new Float32Array(r.data) } : undefined;
}

const live = (r: ReturnType<typeof getRow>): r is NonNullable<ReturnType<typeof getRow>> => r !== undefined && r.state !== "deleted";

/**
 * Call in the delete's transaction, BEFORE the rows in `ids` are deleted (their metadata is read).
 * A consolidated memory being deleted takes the originals it was merged from along (they hold the
 * same statements); one that loses an original is rewritten from the originals left (a version
 * with reason `consolidate`, its earlier versions' text scrubbed, its vector the mean of theirs),
 * or deleted when none is left. Deletes what it adds here and answers those ids (not `ids`).
 */
export function forgetConsolidated(ctx: StoreContext, ids: readonly string[], now: number): string[] {
  const { sql } = ctx;
  const deleting = new Set(ids);
  const extra: string[] = [];
  const add = (id: string, queue: string[]) => {
    if (deleting.has(id)) return;
    deleting.add(id);
    extra.push(id);
    queue.push(id);
  };
  const queue = [...ids];
  // One family's deletion may reach another (a merged memory merged again): followed to the end.
  while (queue.length) {
    const batch = queue.splice(0, queue.length);
    for (const f of familiesOf(sql, batch)) {
      if (deleting.has(f.id)) {
        for (const id of f.sources) if (live(getRow(sql, id))) add(id, queue);
        continue;
      }
      const merged = getRow(sql, f.id);
      if (!live(merged)) continue;
      const left = f.sources.filter((id) => !deleting.has(id)).map((id) => getRow(sql, id)).filter(live);
      if (left.length === f.sources.length) continue;
      if (left.length === 0) {
        add(f.id, queue);
        continue;
      }
      const text = mergeTexts(left.map((r) => r.text));
      const memories = left.map((r) => rowToMemory(r, ctx.identity));
      const vectors = left.map((r) => vectorOf(sql, r.seq));
      const embedder = vectors[0]?.embedder;
      const vector = embedder && vectors.every((v) => v?.embedder === embedder) ? meanVector(vectors.map((v) => v?.v)) : undefined;
      if (!vector) ctx.vectors.remove(merged.seq);
      const before = merged.version;
      updateMemory(
        ctx,
        merged,
        {
          text,
          hash: bytesToHex(sha256(utf8ToBytes(normalizeForHash(text)))),
          entities: [...new Set(memories.flatMap((m) => m.entities))],
          source_message_ids: [...new Set(memories.flatMap((m) => m.source_message_ids))],
          metadata: { ...rowToMemory(merged, ctx.identity).metadata, consolidated_from: left.map((r) => r.id) },
          ...(vector ? { vector } : {}),
        },
        embedder ?? "",
        "consolidate",
        null,
        now,
      );
      // Its earlier versions quote the deleted statements: their text goes (the versions stay, emptied).
      sql.exec("UPDATE memory_versions SET snapshot = json_set(snapshot, '$.text', '', '$.entities', json('[]'), '$.source_message_ids', json('[]')) WHERE memory_id = ? AND version <= ?", merged.id, before);
    }
  }
  for (const id of extra) {
    const r = getRow(sql, id);
    if (live(r)) deleteMemory(ctx, r, null, now);
  }
  return extra;
}
