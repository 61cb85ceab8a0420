import type { Clock } from "../deps.ts";

export interface TtlCacheOptions {
  /** Most entries kept; the least recently used goes first. */
  maxEntries: number;
  /** Default lifetime of an entry in milliseconds; 0 keeps nothing. */
  ttlMs: number;
  clock: Pick<Clock, "now">;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/**
 * A bounded least-recently-used cache whose entries expire. It holds only what
 * callers choose to put in it: tokens and verified facts, never failures.
 */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #options: TtlCacheOptions;

  constructor(options: TtlCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 0) {
      throw new RangeError(`maxEntries must be a whole number >= 0, got ${options.maxEntries}`);
    }
    if (!(options.ttlMs >= 0)) {
      throw new RangeError(`ttlMs must be >= 0, got ${options.ttlMs}`);
    }
    this.#options = options;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#options.clock.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    // Re-insert to mark it most recently used (Map keeps insertion order).
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` for `ttlMs` (default: the cache's TTL), capped at the cache's TTL. */
  set(key: K, value: V, ttlMs: number = this.#options.ttlMs): void {
    const lifetime = Math.min(ttlMs, this.#options.ttlMs);
    this.#entries.delete(key);
    if (lifetime <= 0 || this.#options.maxEntries === 0) return;
    this.#entries.set(key, { value, expiresAt: this.#options.clock.now() + lifetime });
    while (this.#entries.size > this.#options.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Entries held, expired ones included until they are next touched. */
  get size(): number {
    return this.#entries.size;
  }
}
