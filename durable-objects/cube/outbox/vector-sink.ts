// Outbox sink that mirrors a cube's vectors into the tenant-wide VectorIndex (Vectorize).
import type { Memory } from "../../../src/memory/types";
import type { VectorIndex, VectorItem } from "../../../src/memory/vectors/vector-index";
import type { OutboxSink } from "./outbox";

export class VectorIndexSink implements OutboxSink {
  readonly needsVectors = true;
  readonly name = "vector-index";
  /** Upserts reach the index's queries this much later: the cube scores them itself meanwhile. */
  readonly visibilityMs: number;

  constructor(private readonly index: VectorIndex) {
    this.visibilityMs = index.visibilityMs ?? 0;
  }

  async upsert(memories: Memory[], vectors: Map<string, Float32Array>): Promise<void> {
    const items: VectorItem[] = [];
    const withoutVector: string[] = [];
    for (const m of memories) {
      const values = vectors.get(m.id);
      if (!values) {
        withoutVector.push(m.id);
        continue;
      }
      items.push({
        id: m.id,
        values,
        metadata: {
          tenant_id: m.tenant_id,
          cube_id: m.cube_id,
          ...(m.user_id === null ? {} : { user_id: m.user_id }),
          ...(m.agent_id === null ? {} : { agent_id: m.agent_id }),
          // Superseded memories stay searchable in history only: index them as not current.
          state: m.valid_to === null ? m.state : "superseded",
          created_at: m.created_at,
        },
      });
    }
    if (items.length) await this.index.upsert(items);
    if (withoutVector.length) await this.index.deleteByIds(withoutVector);
  }

  async delete(ids: string[]): Promise<void> {
    await this.index.deleteByIds(ids);
  }
}
