// Activation blocks in the registry: rows, byte accounting per node, reported heat, and victim choice.
import type { RegistryDb, Row } from "./db.js";
import { keepWithin, type RankedBlock } from "./rank.js";

export interface Block {
  id: string;
  tenant_id: string;
  cube_id: string;
  memory_ids: string[];
  text: string | null;
  token_ids: number[] | null;
  model: string;
  node_id: string;
  size_bytes: number;
  tokens: number;
  hits: number;
  pinned: boolean;
  created_at: number;
  last_used_at: number;
}

function toBlock(r: Row): Block {
  return {
    id: String(r.id),
    tenant_id: String(r.tenant_id),
    cube_id: String(r.cube_id),
    memory_ids: JSON.parse(String(r.memory_ids)) as string[],
    text: r.text === null ? null : String(r.text),
    token_ids: r.token_ids === null ? null : (JSON.parse(String(r.token_ids)) as number[]),
    model: String(r.model),
    node_id: String(r.node_id),
    size_bytes: Number(r.size_bytes),
    tokens: Number(r.tokens),
    hits: Number(r.hits),
    pinned: Number(r.pinned) === 1,
    created_at: Number(r.created_at),
    last_used_at: Number(r.last_used_at),
  };
}

/**
 * Typed access to the blocks table; callers own transactions and persistence.
 *
 * The generate path reads blocks and bytes in use on every request, so both are kept in memory:
 * blocks by id as read, bytes per node as summed. Any insert, update or delete drops what it
 * may have changed (also inside a transaction that then rolls back: dropping is always safe).
 * Uses (`touch`) change the cached block at once and reach SQLite before the next query of the
 * table, the next transaction or the next write of the file, whichever comes first.
 */
export class BlockStore {
  private readonly cache = new Map<string, Block>();
  private readonly bytes = new Map<string, number>();
  private readonly touched = new Map<string, { hits: number; last: number }>();
  /**
   * Heat as each block's cube last reported it: soft state, like hit counts, but not written to
   * the file. After a restart a block ranks by recency alone until its cube reports again.
   */
  private readonly heats = new Map<string, { heat: number; at: number; half_life_ms: number | null }>();

  constructor(private readonly db: RegistryDb) {
    db.onFlush(() => this.flushTouches());
  }

  private changed(id: string | null): void {
    if (id === null) this.cache.clear();
    else this.cache.delete(id);
    this.bytes.clear();
  }

  /** Writes the buffered uses; runs before any SQL that reads or writes the blocks. */
  private flushTouches(): void {
    if (this.touched.size === 0) return;
    const pending = [...this.touched];
    this.touched.clear();
    for (const [id, t] of pending) {
      this.db.run("UPDATE blocks SET hits = hits + ?, last_used_at = ? WHERE id = ?", [t.hits, t.last, id]);
    }
  }

  insert(b: Block): void {
    this.flushTouches();
    this.changed(b.id);
    this.db.run(
      `INSERT INTO blocks (id, tenant_id, cube_id, memory_ids, text, token_ids, model, node_id, size_bytes, tokens,
         hits, pinned, created_at, last_used_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
      [
        b.id, b.tenant_id, b.cube_id, JSON.stringify(b.memory_ids), b.text,
        b.token_ids ? JSON.stringify(b.token_ids) : null, b.model, b.node_id, b.size_bytes, b.tokens,
        b.hits, b.pinned ? 1 : 0, b.created_at, b.last_used_at,
      ],
    );
  }

  /** The block, from memory when it was read before; treat it as read-only. */
  get(id: string): Block | undefined {
    const hit = this.cache.get(id);
    if (hit) return hit;
    this.flushTouches();
    const r = this.db.get("SELECT * FROM blocks WHERE id = ?", [id]);
    if (!r) return undefined;
    const b = toBlock(r);
    this.cache.set(id, b);
    return b;
  }

  listByCube(tenantId: string, cubeId: string): Block[] {
    this.flushTouches();
    return this.db
      .all("SELECT * FROM blocks WHERE tenant_id = ? AND cube_id = ? ORDER BY created_at, id", [tenantId, cubeId])
      .map(toBlock);
  }

  listByNode(nodeId: string): Block[] {
    this.flushTouches();
    return this.db.all("SELECT * FROM blocks WHERE node_id = ? ORDER BY last_used_at, id", [nodeId]).map(toBlock);
  }

  /**
   * Ids of the node's blocks, without writing buffered uses first (ids do not depend on them):
   * cheap enough for the generate path, with `get` reading each block from memory.
   */
  idsOnNode(nodeId: string): string[] {
    return this.db.all("SELECT id FROM blocks WHERE node_id = ?", [nodeId]).map((r) => String(r.id));
  }

  bytesInUse(nodeId: string): number {
    const known = this.bytes.get(nodeId);
    if (known !== undefined) return known;
    const n = Number(this.db.get("SELECT COALESCE(SUM(size_bytes), 0) AS n FROM blocks WHERE node_id = ?", [nodeId])?.n ?? 0);
    this.bytes.set(nodeId, n);
    return n;
  }

  /** Records the heat a block's cube reported at `at`, decaying with its half-life (none: it stays as given). */
  setHeat(id: string, heat: number, halfLifeMs: number | null, at: number): void {
    this.heats.set(id, { heat, at, half_life_ms: halfLifeMs });
  }

  /** A newer heat of the block from its cube, with the half-life it last reported (a use carries no half-life). */
  reportHeat(id: string, heat: number, at: number): void {
    this.setHeat(id, heat, this.heats.get(id)?.half_life_ms ?? null, at);
  }

  /** A block's reported heat, decayed to `now`; 0 when none was reported. */
  heatOf(id: string, now: number): number {
    const h = this.heats.get(id);
    if (!h) return 0;
    return h.half_life_ms ? h.heat * 2 ** (-Math.max(0, now - h.at) / h.half_life_ms) : h.heat;
  }

  private ranked(b: Block, now: number): RankedBlock {
    return { id: b.id, tenant_id: b.tenant_id, size_bytes: b.size_bytes, heat: this.heatOf(b.id, now), pinned: b.pinned, last_used_at: b.last_used_at };
  }

  /**
   * What admitting `candidate` (a new block, or one being resized) under `budget` costs: the
   * blocks to evict, the least valuable across every cube on the node (see rank.ts); "ranked_out"
   * when the candidate itself is worth less than what it would displace; `null` when even
   * evicting every unpinned block would not make room. Blocks in `exclude` (the candidate's own
   * row, a block it replaces) are neither counted nor evicted.
   */
  victims(nodeId: string, candidate: RankedBlock, budget: number, now: number, exclude: ReadonlySet<string> = new Set()): Block[] | "ranked_out" | null {
    this.flushTouches();
    const others = this.db.all("SELECT * FROM blocks WHERE node_id = ?", [nodeId]).map(toBlock).filter((b) => !exclude.has(b.id));
    const used = others.reduce((s, b) => s + b.size_bytes, 0);
    if (used + candidate.size_bytes <= budget) return [];
    const pinned = others.reduce((s, b) => s + (b.pinned ? b.size_bytes : 0), 0);
    if (pinned + candidate.size_bytes > budget) return null;
    const kept = keepWithin([...others.map((b) => this.ranked(b, now)), candidate], budget);
    if (!kept.has(candidate.id)) return "ranked_out";
    return others.filter((b) => !kept.has(b.id)).sort((a, b) => a.last_used_at - b.last_used_at || (a.id < b.id ? -1 : 1));
  }

  delete(id: string): void {
    this.flushTouches();
    this.changed(id);
    this.heats.delete(id);
    this.db.run("DELETE FROM blocks WHERE id = ?", [id]);
  }

  /** Clears every pin on the node; answers how many blocks were pinned. */
  unpinNode(nodeId: string): number {
    this.flushTouches();
    this.changed(null);
    return this.db.run("UPDATE blocks SET pinned = 0 WHERE node_id = ? AND pinned = 1", [nodeId]);
  }

  /** Records a use: one more hit, last use now (buffered, see the class comment). */
  touch(id: string, now: number): void {
    const t = this.touched.get(id);
    if (t) {
      t.hits += 1;
      t.last = now;
    } else {
      this.touched.set(id, { hits: 1, last: now });
    }
    const b = this.cache.get(id);
    if (b) {
      b.hits += 1;
      b.last_used_at = now;
    }
  }

  update(id: string, fields: { size_bytes?: number; tokens?: number; last_used_at?: number; pinned?: boolean }): void {
    const b = this.get(id);
    if (!b) return;
    this.flushTouches();
    this.changed(id);
    this.db.run("UPDATE blocks SET size_bytes = ?, tokens = ?, last_used_at = ?, pinned = ? WHERE id = ?", [
      fields.size_bytes ?? b.size_bytes,
      fields.tokens ?? b.tokens,
      fields.last_used_at ?? b.last_used_at,
      (fields.pinned ?? b.pinned) ? 1 : 0,
      id,
    ]);
  }
}
