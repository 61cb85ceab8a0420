import type { Clock } from "../deps.ts";

export interface TtlCacheOptions<K = unknown, V = unknown> {
  /** Most entries kept; the least recently used goes first. */
  maxEntries: number;
  /** Default lifetime of an entry in milliseconds; 0 keeps nothing. */
  ttlMs: number;
  clock: Pick<Clock, "now">;
  /**
   * Most total weight kept (with `weigh`, e.g. bytes): the least recently
   * used go first until the rest fit; a value heavier than this is not kept.
   */
  maxWeight?: number;
  /** The weight of an entry; default 0. */
  weigh?: (value: V, key: K) => number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
  weight: number;
}

/**
 * A bounded least-recently-used cache whose entries expire. It holds only what
 * callers choose to put in it: tokens and verified facts, never failures.
 */
export class TtlCache<K, V> {
  readonly #entries = new Map<K, Entry<V>>();
  readonly #options: TtlCacheOptions<K, V>;
  #weight = 0;

  constructor(options: TtlCacheOptions<K, V>) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 0) {
      throw new RangeError(`maxEntries must be a whole number >= 0, got ${options.maxEntries}`);
    }
    if (!(options.ttlMs >= 0)) {
      throw new RangeError(`ttlMs must be >= 0, got ${options.ttlMs}`);
    }
    if (options.maxWeight !== undefined && !(options.maxWeight >= 0)) {
      throw new RangeError(`maxWeight must be >= 0, got ${options.maxWeight}`);
    }
    this.#options = options;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#options.clock.now()) {
      this.delete(key);
      return undefined;
    }
    // Re-insert to mark it most recently used (Map keeps insertion order).
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** The live value under `key`, without marking it used (a look before deciding to `get`). */
  peek(key: K): V | undefined {
    const entry = this.#entries.get(key);
    return entry === undefined || entry.expiresAt <= this.#options.clock.now()
      ? undefined
      : entry.value;
  }

  /** Stores `value` for `ttlMs` (default: the cache's TTL), capped at the cache's TTL. */
  set(key: K, value: V, ttlMs: number = this.#options.ttlMs): void {
    const { maxEntries, maxWeight = Number.POSITIVE_INFINITY, weigh } = this.#options;
    const lifetime = Math.min(ttlMs, this.#options.ttlMs);
    this.delete(key);
    if (lifetime <= 0 || maxEntries === 0) return;
    const weight = weigh === undefined ? 0 : weigh(value, key);
    if (weight > maxWeight) return;
    this.#entries.set(key, { value, expiresAt: this.#options.clock.now() + lifetime, weight });
    this.#weight += weight;
    while (this.#entries.size > maxEntries || this.#weight > maxWeight) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
  }

  delete(key: K): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#weight -= entry.weight;
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
    this.#weight = 0;
  }

  /** The total weight of the entries held. */
  get weight(): number {
    return this.#weight;
  }

  /** Entries held, expired ones included until they are next touched. */
  get size(): number {
    return this.#entries.size;
  }
}

/**
 * A bounded least-recently-used map of values derived from their string key
 * (a parse, a compile): nothing expires, since the same text always gives the
 * same value; at most `maxEntries`, and keys of at most `maxKeyChars` in all.
 */
export function derivedValues<V>(maxEntries: number, maxKeyChars: number): TtlCache<string, V> {
  return new TtlCache<string, V>({
    maxEntries,
    maxWeight: maxKeyChars,
    weigh: (_value, key) => key.length,
    ttlMs: Number.POSITIVE_INFINITY,
    clock: { now: () => 0 },
  });
}
