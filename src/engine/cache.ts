/**
 * What imgverify remembers across admission requests: verified evidence,
 * keyed by the image (repository and digest) and a SHA-256 of the exact
 * check configuration, and, for a short while only, which digest a tag
 * named. Failures are never stored: only a verified result is a fact.
 */
import type { Clock } from "../deps.ts";
import { TtlCache } from "../store/ttl-cache.ts";
import type { ImageTarget, VerifiedSignature } from "./checks/index.ts";
import { engineError } from "./errors.ts";

export interface VerificationCacheOptions {
  clock: Pick<Clock, "now">;
  /** Most verified results kept; default 1024. */
  maxEntries?: number;
  /**
   * Largest result kept, in bytes of its statements' JSON; default 64 KiB.
   * Larger ones (SBOM predicates) are verified afresh each time, which
   * bounds the cache's memory by `maxEntries` x this.
   */
  maxEntryBytes?: number;
  /** Lifetime of a verified result; default one hour. */
  ttlMs?: number;
  /** Lifetime of a tag's digest; default 0: tags are resolved on every request. */
  digestTtlMs?: number;
  /** Most tag answers kept; default 1024. */
  maxDigests?: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  stored: number;
  /** Results not kept for their size. */
  tooLarge: number;
}

const HOUR_MS = 3_600_000;

export class VerificationCache {
  readonly #verified: TtlCache<string, readonly VerifiedSignature[]>;
  readonly #digests: TtlCache<string, ImageTarget>;
  #hits = 0;
  #misses = 0;
  #stored = 0;
  #tooLarge = 0;
  readonly #maxEntryBytes: number;

  constructor(options: VerificationCacheOptions) {
    const { clock } = options;
    const ttlMs = options.ttlMs ?? HOUR_MS;
    const digestTtlMs = options.digestTtlMs ?? 0;
    for (const [name, value] of Object.entries({ ttlMs, digestTtlMs })) {
      if (!(value >= 0 && value <= 24 * HOUR_MS)) {
        throw engineError("CONFIG_INVALID", `cache ${name} must be 0 to 24 h in ms, got ${value}`);
      }
    }
    this.#maxEntryBytes = options.maxEntryBytes ?? 64 * 1024;
    this.#verified = new TtlCache({ maxEntries: options.maxEntries ?? 1024, ttlMs, clock });
    this.#digests = new TtlCache({
      maxEntries: options.maxDigests ?? 1024,
      ttlMs: digestTtlMs,
      clock,
    });
  }

  /** The verified evidence stored under `key`, counting the hit or miss. */
  verified(key: string): readonly VerifiedSignature[] | undefined {
    const found = this.#verified.get(key);
    if (found === undefined) this.#misses++;
    else this.#hits++;
    return found;
  }

  /** Keeps verified evidence; an empty list is not evidence and is not kept. */
  rememberVerified(key: string, results: readonly VerifiedSignature[]): void {
    if (results.length === 0) return;
    const bytes = results.reduce(
      (sum, r) => sum + ("statement" in r ? JSON.stringify(r.statement).length : 0),
      0,
    );
    if (bytes > this.#maxEntryBytes) {
      this.#tooLarge++;
      return;
    }
    this.#verified.set(key, Object.freeze([...results]));
    this.#stored++;
  }

  digest(reference: string): ImageTarget | undefined {
    return this.#digests.get(reference);
  }

  rememberDigest(reference: string, target: ImageTarget): void {
    this.#digests.set(reference, target);
  }

  get stats(): CacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      stored: this.#stored,
      tooLarge: this.#tooLarge,
    };
  }

  clear(): void {
    this.#verified.clear();
    this.#digests.clear();
  }
}

const trustIds = new WeakMap<object, number>();
let nextTrustId = 1;

/** A number naming one trust material object, so results verified under another root never match. */
export function trustId(trust: object): number {
  let id = trustIds.get(trust);
  if (id === undefined) {
    id = nextTrustId++;
    trustIds.set(trust, id);
  }
  return id;
}

/** JSON with object keys sorted, so equal configurations give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * A short, fixed-length name for a check's canonical configuration text, as
 * cache keys carry it: the lower-case hex SHA-256 (WebCrypto).
 */
export async function configId(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
