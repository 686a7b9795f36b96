// Tokens a node's prefix cache took in per node, where each block stood at its last warm or use,
// and how much conversation content the node holds at once (what an automatic share leaves room for).

/** Prompts remembered per node for the conversation demand: the recent traffic, not all of it. */
export const DEMAND_WINDOW = 64;
/** Prompts seen on a node before its demand is trusted; until then the configured fallback share. */
export const DEMAND_MIN_SAMPLES = 8;
/**
 * The demand is this quantile of the window, not its maximum: a rare outsized prompt (one caller's
 * giant context) is re-warmed around like other churn instead of shrinking every cube's blocks for
 * the next 64 prompts; traffic that is large often enough still moves it.
 */
export const DEMAND_QUANTILE = 0.9;

/** A fixed-size window of recent values, read by quantile. */
class Window {
  private readonly values: number[] = [];
  push(v: number): void {
    this.values.push(v);
    if (this.values.length > DEMAND_WINDOW) this.values.shift();
  }
  get size(): number {
    return this.values.length;
  }
  /** The value at quantile q (nearest rank); 0 when empty. */
  quantile(q: number): number {
    if (!this.values.length) return 0;
    const sorted = [...this.values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  }
}

/**
 * Counts, per node, the prompt tokens the bridge forwarded that were not a resident block's
 * own (conversations, inline prefixes), and for each block the count at its last warm or use.
 * The difference is how much new content came into the node's LRU after the block: what pushes
 * it towards eviction. It also keeps, per node, the recent tails of the prompts that rode on
 * resident blocks (their tokens past the blocks, as the node counted them) and the tokens of such
 * prompts in flight together: the larger of their recent 90th percentiles is the conversation content that may
 * arrive between two warm-ups, which an automatic `conversation_share` leaves room for. Prompts
 * without a resident block (inline prefixes of blocks that were ranked out, blockless chats)
 * count as churn but not as demand: sizing the share for them would shrink the blocks' budget,
 * rank more blocks out and send more prefixes inline.
 * In memory only: after a restart every block reads as due for a warm.
 */
export class ChurnMeter {
  private readonly total = new Map<string, number>();
  private readonly marks = new Map<string, number>();
  /** Nodes with a keep-warm run waiting in their queue: at most one each. */
  private readonly waiting = new Set<string>();
  private readonly inFlight = new Map<string, number>();
  private readonly tails = new Map<string, Window>();
  private readonly peaks = new Map<string, Window>();

  add(nodeId: string, tokens: number): void {
    this.total.set(nodeId, (this.total.get(nodeId) ?? 0) + Math.max(0, tokens));
  }

  /** A prompt that rode on resident blocks finished with `tokens` of its own (prompt past the blocks, and answer). */
  sample(nodeId: string, tokens: number): void {
    this.windowOf(this.tails, nodeId).push(Math.max(0, tokens));
  }

  /** A prompt on resident blocks, of about `tokens` past them, goes to the node; the returned function ends it (once). */
  begin(nodeId: string, tokens: number): () => void {
    const t = Math.max(0, tokens);
    const now = (this.inFlight.get(nodeId) ?? 0) + t;
    this.inFlight.set(nodeId, now);
    this.windowOf(this.peaks, nodeId).push(now);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight.set(nodeId, Math.max(0, (this.inFlight.get(nodeId) ?? 0) - t));
    };
  }

  /**
   * Tokens of conversation the node may take in between two warm-ups: the larger of the recent
   * tails and sums of prompts in flight together, each at DEMAND_QUANTILE; null until
   * DEMAND_MIN_SAMPLES prompts finished.
   */
  demand(nodeId: string): number | null {
    const tails = this.tails.get(nodeId);
    if (!tails || tails.size < DEMAND_MIN_SAMPLES) return null;
    return Math.max(tails.quantile(DEMAND_QUANTILE), this.peaks.get(nodeId)?.quantile(DEMAND_QUANTILE) ?? 0);
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

  private windowOf(m: Map<string, Window>, nodeId: string): Window {
    let w = m.get(nodeId);
    if (!w) m.set(nodeId, (w = new Window()));
    return w;
  }
}
