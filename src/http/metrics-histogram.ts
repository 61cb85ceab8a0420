/**
 * A latency histogram in the Prometheus text format: fixed buckets in seconds,
 * rendered cumulatively with `_bucket`, `_sum` and `_count` samples.
 */

/** Upper bounds in seconds: a cached answer takes milliseconds, the webhook timeout is 10 s by default. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

export class LatencyHistogram {
  /** Counts per bucket, not cumulative; the last slot is +Inf. */
  readonly #buckets: number[] = LATENCY_BUCKETS.map(() => 0).concat(0);
  #sum = 0;
  #count = 0;

  observe(durationMs: number): void {
    const seconds = Math.max(0, durationMs) / 1000;
    const slot = LATENCY_BUCKETS.findIndex((bound) => seconds <= bound);
    const at = slot < 0 ? LATENCY_BUCKETS.length : slot;
    this.#buckets[at] = (this.#buckets[at] ?? 0) + 1;
    this.#sum += seconds;
    this.#count++;
  }

  /** The sample lines of series `name`; `labels` is `key="value"` text put before `le`, or "". */
  lines(name: string, labels: string): string[] {
    const prefix = labels === "" ? "" : `${labels},`;
    const own = labels === "" ? "" : `{${labels}}`;
    const lines: string[] = [];
    let cumulative = 0;
    LATENCY_BUCKETS.forEach((bound, i) => {
      cumulative += this.#buckets[i] ?? 0;
      lines.push(`${name}_bucket{${prefix}le="${bound}"} ${cumulative}`);
    });
    lines.push(
      `${name}_bucket{${prefix}le="+Inf"} ${this.#count}`,
      `${name}_sum${own} ${this.#sum}`,
      `${name}_count${own} ${this.#count}`,
    );
    return lines;
  }
}
