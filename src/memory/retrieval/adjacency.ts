// Which memories sit next to each other in the conversation: by their source messages' order
// when they were extracted from messages, else by storage order within a session (raw turns).

/** A memory as adjacency sees it. */
export interface PlacedMemory {
  seq: number;
  /** Memories only neighbour others of the same scope (user and session). */
  scope: string;
  /** Whether a session is known; raw memories without one have no neighbours. */
  hasSession: boolean;
  /** Positions (message seqs) of the messages it came from; empty for memories stored directly. */
  positions: readonly number[];
  /** Whether it passes the search's filter. */
  ok: boolean;
}

/** How far (in memory seqs) to look for memories of adjacent messages: a turn yields a few memories. */
export const ADJACENCY_WINDOW = 6;

/** Whether two sets of message positions are within one message of each other. */
function touches(a: readonly number[], b: readonly number[]): boolean {
  for (const x of a) for (const y of b) if (Math.abs(x - y) <= 1) return true;
  return false;
}

/**
 * For each hit, the memories beside it that pass the filter. Extracted memories (with source
 * messages) neighbour the memories drawn from the same or an adjacent message of the same scope,
 * looked for within `window` seqs (a job stores its memories in message order; the session may be
 * null). Memories stored directly neighbour the seq before and after in the same session.
 */
export function adjacentMemories(hits: readonly number[], placed: ReadonlyMap<number, PlacedMemory>, window = ADJACENCY_WINDOW): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const s of hits) {
    const me = placed.get(s);
    if (!me) continue;
    const list: number[] = [];
    if (me.positions.length === 0) {
      if (!me.hasSession) continue;
      for (const n of [s - 1, s + 1]) {
        const o = placed.get(n);
        if (o && o.ok && o.scope === me.scope && o.positions.length === 0) list.push(n);
      }
    } else {
      // The nearest memory on each side drawn from the same or an adjacent message.
      for (const step of [-1, 1]) {
        for (let d = step; Math.abs(d) <= window; d += step) {
          const o = placed.get(s + d);
          if (o && o.ok && o.scope === me.scope && touches(me.positions, o.positions)) {
            list.push(s + d);
            break;
          }
        }
      }
    }
    if (list.length) out.set(s, list);
  }
  return out;
}
