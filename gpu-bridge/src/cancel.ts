// A one-shot cancel hook for work a caller may stop wanting (its client went away).
//
// A plain object with one callback slot: an AbortController per forwarded request, with its
// AbortSignal and EventTarget listeners, costs measurably more on the bridge's hot path.

/**
 * Set by whoever holds cancellable work (the upstream call in flight), fired by whoever no
 * longer wants it. Holds one hook at a time; a hook set after the cancel runs at once.
 */
export class Cancel {
  private hook: (() => void) | null = null;
  private fired = false;

  get cancelled(): boolean {
    return this.fired;
  }

  /** Runs `hook` on cancel (at once if already cancelled); null removes the current one. */
  set(hook: (() => void) | null): void {
    this.hook = hook;
    if (this.fired && hook) this.fire();
  }

  cancel(): void {
    this.fired = true;
    this.fire();
  }

  private fire(): void {
    const hook = this.hook;
    this.hook = null;
    hook?.();
  }
}
