// Activation blocks in the registry: rows, byte accounting per node, and LRU victim choice.
import type { RegistryDb, Row } from "./db.js";

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

/** Typed access to the blocks table; callers own transactions and persistence. */
export class BlockStore {
  constructor(private readonly db: RegistryDb) {}

  insert(b: Block): void {
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

  get(id: string): Block | undefined {
    const r = this.db.get("SELECT * FROM blocks WHERE id = ?", [id]);
    return r ? toBlock(r) : undefined;
  }

  listByCube(tenantId: string, cubeId: string): Block[] {
    return this.db
      .all("SELECT * FROM blocks WHERE tenant_id = ? AND cube_id = ? ORDER BY created_at, id", [tenantId, cubeId])
      .map(toBlock);
  }

  listByNode(nodeId: string): Block[] {
    return this.db.all("SELECT * FROM blocks WHERE node_id = ? ORDER BY last_used_at, id", [nodeId]).map(toBlock);
  }

  bytesInUse(nodeId: string): number {
    return Number(this.db.get("SELECT COALESCE(SUM(size_bytes), 0) AS n FROM blocks WHERE node_id = ?", [nodeId])?.n ?? 0);
  }

  /**
   * The unpinned blocks to evict, least recently used first, so that `needed` more bytes fit
   * under `budget`; `null` when even evicting every unpinned block would not make room.
   */
  victims(nodeId: string, needed: number, budget: number, excludeId: string | null = null): Block[] | null {
    let used = this.bytesInUse(nodeId);
    if (used + needed <= budget) return [];
    const out: Block[] = [];
    const candidates = this.db
      .all("SELECT * FROM blocks WHERE node_id = ? AND pinned = 0 AND id != ? ORDER BY last_used_at, id", [nodeId, excludeId ?? ""])
      .map(toBlock);
    for (const b of candidates) {
      out.push(b);
      used -= b.size_bytes;
      if (used + needed <= budget) return out;
    }
    return null;
  }

  delete(id: string): void {
    this.db.run("DELETE FROM blocks WHERE id = ?", [id]);
  }

  /** Records a use: one more hit, last use now. */
  touch(id: string, now: number): void {
    this.db.run("UPDATE blocks SET hits = hits + 1, last_used_at = ? WHERE id = ?", [now, id]);
  }

  update(id: string, fields: { size_bytes?: number; tokens?: number; last_used_at?: number; pinned?: boolean }): void {
    const b = this.get(id);
    if (!b) return;
    this.db.run("UPDATE blocks SET size_bytes = ?, tokens = ?, last_used_at = ?, pinned = ? WHERE id = ?", [
      fields.size_bytes ?? b.size_bytes,
      fields.tokens ?? b.tokens,
      fields.last_used_at ?? b.last_used_at,
      (fields.pinned ?? b.pinned) ? 1 : 0,
      id,
    ]);
  }
}
