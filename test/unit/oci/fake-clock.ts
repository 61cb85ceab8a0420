import type { Clock } from "../../../src/deps.ts";

interface Timer {
  at: number;
  resolve: () => void;
}

/**
 * A clock that moves only when told: `sleep` waits until `advance` passes its
 * time. `sleeps` records every requested duration, so tests can see the
 * back-off the client chose.
 */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  #now: number;
  #timers: Timer[] = [];

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer: Timer = {
        at: this.#now + ms,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  /** Moves time forward by `ms`, firing due timers in order and letting the code they wake run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await settle();
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = due.at;
      due.resolve();
    }
    this.#now = target;
    await settle();
  }

  /** Durations of the sleeps still waiting. */
  get pending(): number[] {
    return this.#timers.map((t) => t.at - this.#now);
  }
}

/** Lets pending promise chains and stream reads run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
