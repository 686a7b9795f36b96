// Access heat with exponential decay, stored so that one access costs one `heat = heat + ?` update.
//
// A memory's heat at time t is Σ 2^(-(t - tᵢ)/h) over its accesses tᵢ (h: the half-life). Stored
// as s = Σ 2^((tᵢ - epoch)/h) against a per-cube epoch, so an access adds 2^((t - epoch)/h) (one
// number for a whole batch of results, no math in SQL) and reading divides by 2^((t - epoch)/h).
// The exponent grows by one per half-life: the cube rebases (heat × factor, epoch = now) long
// before a double could overflow.

export interface HeatClock {
  /** Epoch milliseconds the stored sums are relative to. */
  epoch: number;
  half_life_ms: number;
}

/** Rebase once the stored sums carry more than 2^REBASE_EXPONENT (doubles reach 2^1023). */
export const REBASE_EXPONENT = 256;

const exponent = (clock: HeatClock, at: number) => (at - clock.epoch) / clock.half_life_ms;

/** What one access at `at` adds to the stored sum. */
export function heatIncrement(clock: HeatClock, at: number): number {
  return 2 ** exponent(clock, at);
}

/** A stored sum read as heat at `now`: 1.0 for one access just now, 0.5 for one a half-life ago. */
export function heatAt(clock: HeatClock, stored: number, now: number): number {
  return stored / 2 ** exponent(clock, now);
}

/** Whether the clock must be rebased before recording at `at` (or after a change of half-life). */
export function needsRebase(clock: HeatClock, at: number): boolean {
  return Math.abs(exponent(clock, at)) > REBASE_EXPONENT;
}

/**
 * The factor that turns sums against `from` into sums against `to` (epoch = `at`, maybe another
 * half-life): multiply every stored sum by it. Heat is kept as it reads at `at`.
 */
export function rebaseFactor(from: HeatClock, at: number): number {
  return 1 / 2 ** exponent(from, at);
}
