// Heat in the cube: one `heat = heat + ?` statement per search's results, against a per-cube clock in meta.
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

/** Keeps the clock in memory: the hot path reads no row for it. */
export class HeatRecorder {
  private clock: HeatClock | null = null;

  constructor(private readonly sql: SqlStorage) {}

  current(now: number): HeatClock {
    this.clock ??= readClock(this.sql, now);
    if (needsRebase(this.clock, now)) this.clock = rebase(this.sql, this.clock, now, this.clock.half_life_ms);
    return this.clock;
  }

  /** After a change of half-life: heat as it reads now is kept, and decays at the new rate from here. */
  setHalfLife(halfLifeMs: number, now: number): void {
    this.clock = rebase(this.sql, this.current(now), now, halfLifeMs);
  }

  /** Counts one access of each memory at `now`: one statement whatever the count. */
  record(ids: readonly string[], now: number): void {
    if (ids.length === 0) return;
    this.sql.exec("UPDATE memories SET heat = heat + ? WHERE id IN (SELECT value FROM json_each(?))", heatIncrement(this.current(now), now), JSON.stringify(ids));
  }

  /** A stored sum read as heat now. */
  read(stored: number, now: number): number {
    return heatAt(this.current(now), stored, now);
  }

  /** Forgets the cached clock (the cube's storage was wiped). */
  reset(): void {
    this.clock = null;
  }
}
