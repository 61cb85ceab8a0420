/**
 * The per-admission-request store: every identical load of one request runs
 * once. Concurrent callers share the promise in flight; a fulfilled result is
 * kept for the rest of the request; a rejection reaches every caller waiting
 * on it and is then forgotten, so a later call loads afresh. One instance per
 * request, dropped with it: nothing outlives the request that made it.
 */
export interface SingleFlightStats {
  /** Loads started (each distinct key once, plus reloads after a failure). */
  loads: number;
  /** Calls answered by a load already started. */
  shared: number;
}

export class SingleFlight<K, V> {
  readonly #entries = new Map<K, Promise<V>>();
  #loads = 0;
  #shared = 0;

  /** The promise for `key`: the one already started, or `load()` started now. */
  get(key: K, load: () => Promise<V>): Promise<V> {
    const existing = this.#entries.get(key);
    if (existing) {
      this.#shared++;
      return existing;
    }
    this.#loads++;
    const promise = Promise.resolve().then(load);
    this.#entries.set(key, promise);
    promise.catch(() => {
      // Forget a failure once it has reached its waiters; never replace a newer entry.
      if (this.#entries.get(key) === promise) this.#entries.delete(key);
    });
    return promise;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  get size(): number {
    return this.#entries.size;
  }

  get stats(): SingleFlightStats {
    return { loads: this.#loads, shared: this.#shared };
  }

  /** Drops every entry; promises already handed out still settle. */
  clear(): void {
    this.#entries.clear();
  }
}
