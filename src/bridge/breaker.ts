// Circuit breaker for the Worker's calls to the gpu-bridge: fail fast while the bridge is down.

export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one probe request is let through. */
  cooldownMs: number;
  now?: () => number;
}

/**
 * Closed: every call goes through; `failureThreshold` failures in a row open it. Open: calls are
 * refused at once, so a dead bridge costs the caller nothing and explicit memory keeps its
 * latency. After `cooldownMs` one probe goes through (half open): its success closes the
 * circuit, its failure opens it for another cooldown.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = "closed";
  private readonly now: () => number;

  constructor(private readonly opts: BreakerOptions) {
    this.now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Whether a call may go out now; a true answer in the half-open state claims the one probe. */
  allow(): boolean {
    if (this.current === "closed") return true;
    if (this.current === "open") {
      if (this.now() - this.openedAt < this.opts.cooldownMs) return false;
      this.current = "half_open";
      this.probing = false;
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Milliseconds until an open circuit lets a probe through. */
  retryAfterMs(): number {
    return this.current === "open" ? Math.max(0, this.opts.cooldownMs - (this.now() - this.openedAt)) : 0;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    this.current = "closed";
  }

  failure(): void {
    this.probing = false;
    this.failures += 1;
    if (this.current === "half_open" || this.failures >= this.opts.failureThreshold) {
      this.current = "open";
      this.openedAt = this.now();
    }
  }
}
