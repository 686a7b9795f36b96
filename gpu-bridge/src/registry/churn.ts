// Tokens a node's prefix cache took in per node, and where each block stood at its last warm or use.

/**
 * Counts, per node, the prompt tokens the bridge forwarded that were not a resident block's
 * own (conversations, inline prefixes), and for each block the count at its last warm or use.
 * The difference is how much new content came into the node's LRU after the block: what pushes
 * it towards eviction. In memory only: after a restart every block reads as due for a warm.
 */
export class ChurnMeter {
  private readonly total = new Map<string, number>();
  private readonly marks = new Map<string, number>();
  /** Nodes with a keep-warm run waiting in their queue: at most one each. */
  private readonly waiting = new Set<string>();

  add(nodeId: string, tokens: number): void {
    this.total.set(nodeId, (this.total.get(nodeId) ?? 0) + Math.max(0, tokens));
  }

  /** The block was just warmed or used: it is at the front of the node's LRU. */
  mark(nodeId: string, blockId: string): void {
    this.marks.set(blockId, this.total.get(nodeId) ?? 0);
  }

  /** Tokens the node took in since the block's mark; infinite when it has none. */
  since(nodeId: string, blockId: string): number {
    const m = this.marks.get(blockId);
    return m === undefined ? Number.POSITIVE_INFINITY : (this.total.get(nodeId) ?? 0) - m;
  }

  forget(blockId: string): void {
    this.marks.delete(blockId);
  }

  /** Claims the node's one waiting keep-warm run; false when one already waits. */
  claimRun(nodeId: string): boolean {
    if (this.waiting.has(nodeId)) return false;
    this.waiting.add(nodeId);
    return true;
  }

  /** The waiting run started (or failed): the next prompt may queue another. */
  releaseRun(nodeId: string): void {
    this.waiting.delete(nodeId);
  }
}
