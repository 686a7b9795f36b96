// Which users' blocks stay on the node under a byte budget: the hottest that fit; the rest go, with why.

export interface BlockCandidate {
  user_key: string;
  /** The user's heat now (sum over their memories). */
  heat: number;
  /** Bytes the block takes on the node (registered size, or tokens × bytes per token). */
  bytes: number;
}

export interface Placement {
  keep: BlockCandidate[];
  drop: Array<BlockCandidate & { reason: string }>;
  bytes_kept: number;
}

/**
 * Greedy by heat, hottest first (equal heat by key, so the choice is deterministic): a block that
 * does not fit in what is left is dropped and colder smaller ones may still fit. Below `minHeat`
 * a block is not worth its warm-up at all.
 */
export function placeBlocks(candidates: readonly BlockCandidate[], budgetBytes: number, minHeat: number): Placement {
  const sorted = [...candidates].sort((a, b) => b.heat - a.heat || (a.user_key < b.user_key ? -1 : a.user_key > b.user_key ? 1 : 0));
  const keep: BlockCandidate[] = [];
  const drop: Placement["drop"] = [];
  let used = 0;
  for (const c of sorted) {
    if (c.heat < minHeat) drop.push({ ...c, reason: `heat ${c.heat.toFixed(2)} below ${minHeat}` });
    else if (used + c.bytes > budgetBytes) drop.push({ ...c, reason: `no room: ${used + c.bytes} bytes over the budget of ${budgetBytes} with hotter blocks kept` });
    else {
      keep.push(c);
      used += c.bytes;
    }
  }
  return { keep, drop, bytes_kept: used };
}
