// The SQL side of the retrieval routes of one cube: keyword (FTS5 BM25 with neighbouring turns),
// entity (linked entities, else the entities column), time and recency. Each returns seqs, best first.
import type { RankFacts } from "../../../src/memory/retrieval/rank";
import { entityCandidates, ftsMatch, nicknameCandidates, queryWords, restrictThenAppend, spreadToNeighbours, type ScoredSeq } from "../../../src/memory/retrieval/query";
import type { TimeRange } from "../../../src/memory/retrieval/time-query";
import { ADJACENCY_WINDOW, adjacentMemories, type PlacedMemory } from "../../../src/memory/retrieval/adjacency";

/** A filter already compiled by `filterSql` for the memories table aliased `m`. */
export interface CompiledFilter {
  where: string;
  args: SqlStorageValue[];
}

/** How deep each route's list goes into fusion. */
export const ROUTE_DEPTH = 100;
/** FTS5 column weights: text, entities, tags. Names in `entities` matter as much as words. */
const COLUMN_WEIGHTS = "1.0, 1.0, 0.5";
/** Share of a keyword hit's score lent to the turns beside it in the same session. */
export const NEIGHBOUR_ALPHA = 0.5;
/** Words this long also match as prefixes; shorter ones would match too much. */
const PREFIX_MIN = 0;

const jsonList = (xs: readonly (number | string)[]): string => JSON.stringify(xs);

/**
 * Keyword route: BM25 over text, entities and tags for the query's content words, then each hit
 * lends part of its score to its neighbours in the same session (see `spreadToNeighbours`).
 */
export function keywordRoute(sql: SqlStorage, query: string, f: CompiledFilter): ScoredSeq[] {
  const match = ftsMatch(queryWords(query), { prefixMin: PREFIX_MIN });
  if (!match) return [];
  const hits = bm25Hits(sql, match, f, ROUTE_DEPTH * 2);
  if (hits.length === 0) return [];
  return spreadToNeighbours(hits, neighbours(sql, hits.map((h) => h.seq), f), NEIGHBOUR_ALPHA).slice(0, ROUTE_DEPTH * 2);
}

/** How many more BM25 hits than needed the first, unfiltered pass takes. */
const KEYWORD_OVERFETCH = 2;

/**
 * The best `limit` BM25 hits that pass the filter. Most searches filter little (a user's active
 * memories), so a first pass ranks the FTS table alone and checks the overfetched hits against
 * the filter in one query; only when too few pass does the ranking join every match's row.
 */
function bm25Hits(sql: SqlStorage, match: string, f: CompiledFilter, limit: number): ScoredSeq[] {
  const ranked = sql
    .exec<{ seq: number; rank: number }>(
      `SELECT rowid AS seq, bm25(memory_fts, ${COLUMN_WEIGHTS}) AS rank FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rank LIMIT ?`,
      match,
      limit * KEYWORD_OVERFETCH,
    )
    .toArray();
  const passing = new Set(
    sql
      .exec<{ seq: number }>(`SELECT m.seq AS seq FROM memories m WHERE m.seq IN (SELECT value FROM json_each(?)) AND ${f.where}`, jsonList(ranked.map((r) => r.seq)), ...f.args)
      .toArray()
      .map((r) => r.seq),
  );
  const kept = ranked.filter((r) => passing.has(r.seq));
  if (kept.length < limit && ranked.length === limit * KEYWORD_OVERFETCH) {
    return sql
      .exec<{ seq: number; rank: number }>(
        `SELECT m.seq AS seq, bm25(memory_fts, ${COLUMN_WEIGHTS}) AS rank FROM memory_fts JOIN memories m ON m.seq = memory_fts.rowid
         WHERE memory_fts MATCH ? AND ${f.where} ORDER BY rank LIMIT ?`,
        match,
        ...f.args,
        limit,
      )
      .toArray()
      .map((r) => ({ seq: r.seq, score: -r.rank }));
  }
  return kept.slice(0, limit).map((r) => ({ seq: r.seq, score: -r.rank }));
}

/**
 * Memories beside each hit that pass the filter (see `adjacentMemories`): those drawn from the
 * same or an adjacent source message, or for raw turns the seq before and after in the session.
 */
function neighbours(sql: SqlStorage, seqs: readonly number[], f: CompiledFilter): Map<number, number[]> {
  // Only hits that can have neighbours look around them: extracted memories within the window,
  // raw ones in a session one seq each way; a raw memory without a session has none.
  const around = new Set<number>();
  for (const h of sql.exec<{ seq: number; raw: number; session: number }>(
    "SELECT seq, source_message_ids = '[]' AS raw, session_id IS NOT NULL AS session FROM memories WHERE seq IN (SELECT value FROM json_each(?))",
    jsonList(seqs),
  )) {
    const reach = h.raw === 0 ? ADJACENCY_WINDOW : h.session === 1 ? 1 : 0;
    for (let d = -reach; d <= reach; d++) around.add(h.seq + d);
  }
  if (around.size === 0) return new Map();
  const rows = sql
    .exec<{ seq: number; session_id: string | null; user_id: string | null; sources: string; ok: number }>(
      `SELECT m.seq AS seq, m.session_id AS session_id, m.user_id AS user_id, m.source_message_ids AS sources, (${f.where}) AS ok
       FROM memories m WHERE m.seq IN (SELECT value FROM json_each(?))`,
      ...f.args,
      jsonList([...around]),
    )
    .toArray();
  const sources = new Map(rows.map((r) => [r.seq, JSON.parse(r.sources) as string[]]));
  const ids = new Set<string>();
  for (const list of sources.values()) for (const id of list) ids.add(id);
  const position = new Map<string, number>();
  if (ids.size) {
    for (const r of sql.exec<{ id: string; seq: number }>("SELECT id, seq FROM messages WHERE id IN (SELECT value FROM json_each(?))", jsonList([...ids]))) {
      position.set(r.id, r.seq);
    }
  }
  const placed = new Map<number, PlacedMemory>(
    rows.map((r) => [
      r.seq,
      {
        seq: r.seq,
        scope: `${r.user_id ?? ""}\u0000${r.session_id ?? ""}`,
        hasSession: r.session_id !== null,
        positions: (sources.get(r.seq) ?? []).map((id) => position.get(id)).filter((p): p is number => p !== undefined),
        ok: r.ok === 1,
      },
    ]),
  );
  return adjacentMemories(seqs, placed);
}

export interface EntityRoute {
  seqs: number[];
  /** Entity names of the cube that the query named. */
  names: string[];
}

/**
 * Entity route: memories linked (memory_entities) to an entity the query names by its name or
 * an alias, plus memories whose `entities` field holds a query word (memories stored without
 * linking, e.g. raw turns tagged with their speaker). Ordered by the keyword route's ranking,
 * then the rest by BM25 on the entities column.
 */
export function entityRoute(sql: SqlStorage, query: string, f: CompiledFilter, keywordOrder: readonly number[]): EntityRoute {
  const candidates = entityCandidates(query);
  if (candidates.length === 0) return { seqs: [], names: [] };
  const list = jsonList(candidates);
  const entities = sql
    .exec<{ id: number; name: string; norm: string }>(
      `SELECT id, name, norm FROM entities WHERE norm IN (SELECT value FROM json_each(?))
       UNION SELECT e.id, e.name, e.norm FROM entity_aliases a JOIN entities e ON e.id = a.entity_id WHERE a.alias_norm IN (SELECT value FROM json_each(?))`,
      list,
      list,
    )
    .toArray();
  const known = new Set(entities.map((e) => e.norm));
  for (const nick of nicknameCandidates(query)) {
    if (known.has(nick)) continue;
    const e = nicknameOf(sql, nick);
    if (e && !known.has(e.norm)) (entities.push(e), known.add(e.norm));
  }
  const linked = entities.length
    ? sql
        .exec<{ seq: number }>(
          `SELECT DISTINCT m.seq AS seq FROM memory_entities me JOIN memories m ON m.seq = me.memory_seq
           WHERE me.entity_id IN (SELECT value FROM json_each(?)) AND ${f.where} ORDER BY m.seq DESC LIMIT ?`,
          jsonList(entities.map((e) => e.id)),
          ...f.args,
          ROUTE_DEPTH * 20,
        )
        .toArray()
        .map((r) => r.seq)
    : [];
  const match = ftsMatch(queryWords(query), { column: "entities" });
  const named = match
    ? sql
        .exec<{ seq: number }>(
          `SELECT m.seq AS seq FROM memory_fts JOIN memories m ON m.seq = memory_fts.rowid
           WHERE memory_fts MATCH ? AND ${f.where} ORDER BY bm25(memory_fts, 0.0, 1.0, 0.0) LIMIT ?`,
          match,
          ...f.args,
          ROUTE_DEPTH * 20,
        )
        .toArray()
        .map((r) => r.seq)
    : [];
  const rest = [...linked, ...named];
  const seqs = restrictThenAppend(keywordOrder, new Set(rest), rest, ROUTE_DEPTH);
  return { seqs, names: entities.map((e) => e.name) };
}

/**
 * The one single-word entity a nickname begins ("mel" → Melanie), or null when none or several
 * do: a guess is only safe when it is unambiguous.
 */
function nicknameOf(sql: SqlStorage, nick: string): { id: number; name: string; norm: string } | null {
  const rows = sql
    .exec<{ id: number; name: string; norm: string }>(
      "SELECT id, name, norm FROM entities WHERE norm > ? AND norm < ? AND instr(norm, ' ') = 0 LIMIT 2",
      nick,
      `${nick}\uffff`,
    )
    .toArray();
  return rows.length === 1 ? rows[0]! : null;
}

/**
 * Time route: memories that happened (event time, else when they were said: `valid_from`) inside the range the query
 * names, in the keyword route's order first, then the rest latest first. A boost, not a filter:
 * a misread date demotes nothing.
 */
export function timeRoute(sql: SqlStorage, range: TimeRange, f: CompiledFilter, keywordOrder: readonly number[]): number[] {
  const inRange = sql
    .exec<{ seq: number }>(
      `SELECT m.seq AS seq FROM memories m
       WHERE ${f.where} AND COALESCE(m.event_time, m.valid_from) >= ? AND COALESCE(m.event_time, m.valid_from) < ?
       ORDER BY COALESCE(m.event_time, m.valid_from) DESC LIMIT ?`,
      ...f.args,
      range.from ?? Number.MIN_SAFE_INTEGER,
      range.to ?? Number.MAX_SAFE_INTEGER,
      ROUTE_DEPTH * 20,
    )
    .toArray()
    .map((r) => r.seq);
  return restrictThenAppend(keywordOrder, new Set(inRange), inRange, ROUTE_DEPTH);
}

/**
 * When the event a query anchors its time to happened ("before she moved"): the memory that best
 * matches the event's words under the search's filter, and its event time, else when it was said.
 */
export function eventTime(sql: SqlStorage, event: string, f: CompiledFilter): { id: string; at: number } | null {
  const match = ftsMatch(queryWords(event));
  if (!match) return null;
  const row = sql
    .exec<{ id: string; at: number }>(
      `SELECT m.id AS id, COALESCE(m.event_time, m.valid_from) AS at FROM memory_fts JOIN memories m ON m.seq = memory_fts.rowid
       WHERE memory_fts MATCH ? AND ${f.where} ORDER BY bm25(memory_fts, ${COLUMN_WEIGHTS}) LIMIT 1`,
      match,
      ...f.args,
    )
    .toArray()[0];
  return row ?? null;
}

/** Facts the recency route, decay and heat need, for the candidates only. */
/** A candidate's facts as ranking reads them, with its seq. */
export interface CandidateFacts extends RankFacts {
  seq: number;
}

export function candidateFacts(sql: SqlStorage, seqs: readonly number[]): Map<number, CandidateFacts> {
  if (seqs.length === 0) return new Map();
  const rows = sql
    .exec<CandidateFacts & Record<string, SqlStorageValue>>(
      `SELECT seq, created_at, valid_from, event_time, importance, access_count, last_access_at, hash, source_message_ids FROM memories
       WHERE seq IN (SELECT value FROM json_each(?))`,
      jsonList(seqs),
    )
    .toArray();
  return new Map(rows.map((r) => [r.seq, r]));
}

/** Whether one memory passes the filter; asked by the vector scan about would-be top hits. */
export function acceptor(sql: SqlStorage, f: CompiledFilter): (seq: number) => boolean {
  const cache = new Map<number, boolean>();
  return (seq) => {
    let ok = cache.get(seq);
    if (ok === undefined) {
      ok = sql.exec(`SELECT 1 FROM memories m WHERE m.seq = ? AND ${f.where}`, seq, ...f.args).toArray().length > 0;
      cache.set(seq, ok);
    }
    return ok;
  };
}

/** Memories named by id (the tenant VectorIndex's answer), kept in the given order if they pass. */
export function seqsOfIds(sql: SqlStorage, ids: readonly string[], f: CompiledFilter): number[] {
  if (ids.length === 0) return [];
  const rows = sql
    .exec<{ seq: number; id: string }>(
      `SELECT m.seq AS seq, m.id AS id FROM memories m WHERE m.id IN (SELECT value FROM json_each(?)) AND ${f.where}`,
      jsonList(ids),
      ...f.args,
    )
    .toArray();
  const byId = new Map(rows.map((r) => [r.id, r.seq]));
  return ids.map((id) => byId.get(id)).filter((s): s is number => s !== undefined);
}
