/**
 * The bytes one admission may read from registries, across all its fetches:
 * per-response limits bound one body, this bounds their sum (many referrers,
 * many signers, many containers).
 */
export class ByteBudget {
  readonly limit: number;
  #used = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Counts `bytes` more; false once the total passes the limit. */
  take(bytes: number): boolean {
    this.#used += bytes;
    return this.#used <= this.limit;
  }

  /** True when `bytes` more would still fit. */
  fits(bytes: number): boolean {
    return this.#used + bytes <= this.limit;
  }
}
