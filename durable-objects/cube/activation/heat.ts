// Heat in the cube: accesses summed in memory and written in one statement before heat is read (or every few seconds), against a per-cube clock in meta.
import { heatAt, heatIncrement, needsRebase, rebaseFactor, type HeatClock } from "../../../src/memory/activation/heat";
import { readActivationConfig } from "./store";

const CLOCK_KEY = "heat_clock";

export function readClock(sql: SqlStorage, now: number): HeatClock {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", CLOCK_KEY).toArray()[0];
  if (row) return JSON.parse(row.value) as HeatClock;
  const clock = { epoch: now, half_life_ms: readActivationConfig(sql).half_life_ms };
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", CLOCK_KEY, JSON.stringify(clock));
  return clock;
}

/** Moves every stored sum to a new clock (epoch `now`, maybe another half-life), heat unchanged as read at `now`. */
export function rebase(sql: SqlStorage, from: HeatClock, now: number, halfLifeMs: number): HeatClock {
  const factor = rebaseFactor(from, now);
  sql.exec("UPDATE memories SET heat = heat * ? WHERE heat > 0", factor);
  const clock = { epoch: now, half_life_ms: halfLifeMs };
  sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", CLOCK_KEY, JSON.stringify(clock));
  return clock;
}

/** Pending accesses are written at least this often, and whenever this many memories wait. */
const FLUSH_MS = 5_000;
const FLUSH_IDS = 1_000;

/**
 * Keeps the clock in memory (the hot path reads no row for it) and the accesses not yet written:
 * a search adds its increments here, and they reach the table in one statement before anything
 * reads heat (`settle`), every few seconds, or before the clock moves. Heat is a statistic: the
 * few seconds of accesses an evicted or crashed object had not written are lost, nothing else.
 */
export class HeatRecorder {
  private clock: HeatClock | null = null;
  private readonly pending = new Map<string, number>();
  private lastFlush = 0;

  constructor(private readonly sql: SqlStorage) {}

  current(now: number): HeatClock {
    this.clock ??= readClock(this.sql, now);
    if (needsRebase(this.clock, now)) {
      this.settle();
      this.clock = rebase(this.sql, this.clock, now, this.clock.half_life_ms);
    }
    return this.clock;
  }

  /** After a change of half-life: heat as it reads now is kept, and decays at the new rate from here. */
  setHalfLife(halfLifeMs: number, now: number): void {
    const clock = this.current(now);
    this.settle();
    this.clock = rebase(this.sql, clock, now, halfLifeMs);
  }

  /** Counts one access of each memory at `now`. */
  record(ids: readonly string[], now: number): void {
    if (ids.length === 0) return;
    const inc = heatIncrement(this.current(now), now);
    for (const id of ids) this.pending.set(id, (this.pending.get(id) ?? 0) + inc);
    if (this.pending.size >= FLUSH_IDS || now - this.lastFlush >= FLUSH_MS) this.settle(now);
  }

  /** Writes the pending accesses (one statement whatever their count); call before reading heat. Live rows only. */
  settle(now = Date.now()): void {
    this.lastFlush = now;
    if (this.pending.size === 0) return;
    const rows = JSON.stringify([...this.pending]);
    this.pending.clear();
    this.sql.exec(
      "UPDATE memories SET heat = heat + p.inc FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS inc FROM json_each(?)) AS p WHERE memories.id = p.id AND memories.state != 'deleted'",
      rows,
    );
  }

  /** A stored sum read as heat now. */
  read(stored: number, now: number): number {
    return heatAt(this.current(now), stored, now);
  }

  /** Forgets the cached clock and the pending accesses (the cube's storage was wiped). */
  reset(): void {
    this.clock = null;
    this.pending.clear();
  }
}
