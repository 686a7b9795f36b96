// Splits a long message list into overlapping windows, so each extraction call sees bounded input.
import type { RawMessage } from "../types";

export interface WindowOptions {
  /** Messages per window (at least 1). */
  size: number;
  /** Messages shared with the previous window (0 ≤ overlap < size). */
  overlap: number;
}

export const DEFAULT_WINDOW: WindowOptions = { size: 24, overlap: 4 };

/**
 * Consecutive windows of `size` messages; each starts `size - overlap` after the previous one.
 * The last window ends at the last message; an empty input gives no window. Throws on options
 * that would not advance.
 */
export function splitWindows<T = RawMessage>(messages: readonly T[], opts: WindowOptions = DEFAULT_WINDOW): T[][] {
  const { size, overlap } = opts;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`window size must be a positive integer, got ${size}`);
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= size) {
    throw new RangeError(`window overlap must be an integer in [0, ${size}), got ${overlap}`);
  }
  if (messages.length === 0) return [];
  const step = size - overlap;
  const out: T[][] = [];
  for (let start = 0; ; start += step) {
    out.push(messages.slice(start, start + size));
    if (start + size >= messages.length) break;
  }
  return out;
}
