/**
 * What imgverify remembers across admission requests: verified evidence,
 * keyed by the image (repository and digest) and a SHA-256 of the exact
 * check configuration, and, for a short while only, which digest a tag
 * named. Failures are never stored: only a verified result is a fact.
 *
 * Beside the in-process tier, an optional shared one (`SharedVerifiedStore`:
 * the Workers Cache API, Redis through `sealedStore`) lets other isolates
 * and replicas reuse what one verified. It is best effort: an error or a slow
 * answer counts in the stats and the result is verified afresh, never an
 * admission failed.
 */
import type { Clock } from "../../deps.ts";
import { TtlCache } from "../../store/ttl-cache.ts";
import type { ImageTarget, VerifiedSignature } from "../checks/index.ts";
import { engineError } from "../errors.ts";

/** A verified-result store shared across processes; keys carry no secret, values are JSON. */
export interface SharedVerifiedStore {
  get(key: string): Promise<unknown>;
  /** Keeps `value` for `ttlMs`. */
  put(key: string, value: readonly VerifiedSignature[], ttlMs: number): Promise<void>;
}

export interface VerificationCacheOptions {
  clock: Pick<Clock, "now">;
  /** The shared tier; none: this process only. */
  shared?: SharedVerifiedStore;
  /** Longest wait for the shared tier on one lookup or write; default 100 ms. */
  sharedTimeoutMs?: number;
  /** Most verified results kept; default 1024. */
  maxEntries?: number;
  /**
   * Largest result kept, in bytes of its statements' JSON; default 64 KiB.
   * Larger ones (SBOM predicates) are verified afresh each time, which
   * bounds the cache's memory by `maxEntries` x this.
   */
  maxEntryBytes?: number;
  /**
   * Most bytes all verified results may take together, counted as their JSON;
   * default 32 MiB. With `maxEntries` and `maxEntryBytes` it keeps the cache's
   * memory flat however many images and attestations pass through.
   */
  maxBytes?: number;
  /** Lifetime of a verified result; default one hour. */
  ttlMs?: number;
  /** Lifetime of a tag's digest; default 0: tags are resolved on every request. */
  digestTtlMs?: number;
  /** Most tag answers kept; default 1024. */
  maxDigests?: number;
}

/** The entries one evaluation read: verified evidence by key, tag digests by reference. */
export interface CacheReads {
  readonly verified: ReadonlyMap<string, readonly VerifiedSignature[]>;
  readonly digests: ReadonlyMap<string, ImageTarget>;
}

/** What a runner asks of the cache: verified evidence, and the digest a tag named. */
export interface VerdictStore {
  verified(key: string): Promise<readonly VerifiedSignature[] | undefined>;
  rememberVerified(key: string, results: readonly VerifiedSignature[]): Promise<void>;
  digest(reference: string): ImageTarget | undefined;
  rememberDigest(reference: string, target: ImageTarget): void;
  /**
   * What `reference` resolved to last, inside the cache's TTL whatever the
   * tags' own: a guess to fold early with, never a digest to trust.
   */
  lastDigest(reference: string): ImageTarget | undefined;
}

export interface CacheStats {
  hits: number;
  misses: number;
  stored: number;
  /** Results not kept for their size. */
  tooLarge: number;
  /** Lookups the shared tier answered. */
  sharedHits: number;
  /** Shared-tier calls that failed, timed out or returned what is not a verified result. */
  sharedErrors: number;
}

const HOUR_MS = 3_600_000;

export class VerificationCache implements VerdictStore {
  readonly #verified: TtlCache<string, readonly VerifiedSignature[]>;
  readonly #digests: TtlCache<string, ImageTarget>;
  readonly #lastDigests: TtlCache<string, ImageTarget>;
  #hits = 0;
  #misses = 0;
  #stored = 0;
  #tooLarge = 0;
  #sharedHits = 0;
  #sharedErrors = 0;
  readonly #maxEntryBytes: number;
  readonly #ttlMs: number;
  readonly #shared: SharedVerifiedStore | undefined;
  readonly #sharedTimeoutMs: number;

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
    this.#ttlMs = ttlMs;
    this.#shared = options.shared;
    this.#sharedTimeoutMs = options.sharedTimeoutMs ?? 100;
    this.#verified = new TtlCache<string, readonly VerifiedSignature[]>({
      maxEntries: options.maxEntries ?? 1024,
      maxWeight: options.maxBytes ?? 32 * 1024 * 1024,
      // The key too: it holds an image name, which comes from the pod spec.
      weigh: (results, key) => key.length + JSON.stringify(results).length,
      ttlMs,
      clock,
    });
    const digestBounds = {
      maxEntries: options.maxDigests ?? 1024,
      // A reference comes from the pod spec: its length is counted too.
      maxWeight: 4 * 1024 * 1024,
      weigh: (target: ImageTarget, reference: string) => reference.length + target.name.length,
      clock,
    };
    this.#digests = new TtlCache({ ...digestBounds, ttlMs: digestTtlMs });
    this.#lastDigests = new TtlCache({ ...digestBounds, ttlMs });
  }

  /** How long a verified result is kept. */
  get ttlMs(): number {
    return this.#ttlMs;
  }

  /**
   * True when every entry in `reads` is still here and still the value read
   * (not expired, evicted or stored anew); the entries are then used as a
   * cold evaluation would use them, each counted as a hit.
   */
  stillHolds(reads: CacheReads): boolean {
    for (const [key, value] of reads.verified) if (this.#verified.peek(key) !== value) return false;
    for (const [ref, value] of reads.digests) if (this.#digests.peek(ref) !== value) return false;
    for (const key of reads.verified.keys()) this.#verified.get(key);
    for (const ref of reads.digests.keys()) this.#digests.get(ref);
    this.#hits += reads.verified.size;
    return true;
  }

  /** The verified evidence stored under `key` here or in the shared tier, counting the hit or miss. */
  async verified(key: string): Promise<readonly VerifiedSignature[] | undefined> {
    const local = this.#verified.get(key);
    if (local !== undefined) {
      this.#hits++;
      return local;
    }
    const shared = this.#shared && (await this.#fromShared(this.#shared, key));
    if (shared !== undefined) {
      this.#sharedHits++;
      this.#hits++;
      this.#verified.set(key, shared);
      return shared;
    }
    this.#misses++;
    return undefined;
  }

  /** Keeps verified evidence, here and in the shared tier; an empty list is not evidence. */
  async rememberVerified(key: string, results: readonly VerifiedSignature[]): Promise<void> {
    if (results.length === 0) return;
    if (this.#sizeOf(results) > this.#maxEntryBytes) {
      this.#tooLarge++;
      return;
    }
    const kept = Object.freeze([...results]);
    this.#verified.set(key, kept);
    this.#stored++;
    if (this.#shared !== undefined && this.#ttlMs > 0) {
      const shared = this.#shared;
      await this.#bounded(() => shared.put(key, kept, this.#ttlMs)).catch(() => {
        this.#sharedErrors++;
      });
    }
  }

  #sizeOf(results: readonly VerifiedSignature[]): number {
    return results.reduce(
      (sum, r) => sum + ("statement" in r ? JSON.stringify(r.statement).length : 0),
      0,
    );
  }

  async #fromShared(
    shared: SharedVerifiedStore,
    key: string,
  ): Promise<readonly VerifiedSignature[] | undefined> {
    try {
      const value = await this.#bounded(() => shared.get(key));
      if (value === undefined || value === null) return undefined;
      if (!isVerifiedList(value) || this.#sizeOf(value) > this.#maxEntryBytes) {
        throw new Error("not a verified result");
      }
      return Object.freeze([...value]);
    } catch {
      this.#sharedErrors++;
      return undefined;
    }
  }

  /** `call()`, or a rejection once the shared tier has had its time. */
  #bounded<T>(call: () => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("shared cache timed out")), this.#sharedTimeoutMs);
    });
    return Promise.race([call(), late]).finally(() => clearTimeout(timer));
  }

  digest(reference: string): ImageTarget | undefined {
    return this.#digests.get(reference);
  }

  rememberDigest(reference: string, target: ImageTarget): void {
    this.#digests.set(reference, target);
    this.#lastDigests.set(reference, target);
  }

  lastDigest(reference: string): ImageTarget | undefined {
    return this.#lastDigests.get(reference);
  }

  get stats(): CacheStats {
    return {
      hits: this.#hits,
      misses: this.#misses,
      stored: this.#stored,
      tooLarge: this.#tooLarge,
      sharedHits: this.#sharedHits,
      sharedErrors: this.#sharedErrors,
    };
  }

  clear(): void {
    this.#verified.clear();
    this.#digests.clear();
    this.#lastDigests.clear();
  }
}

/** What the shared tier returns must look like verified evidence, or it is not used. */
function isVerifiedList(value: unknown): value is VerifiedSignature[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (r) =>
        r !== null &&
        typeof r === "object" &&
        typeof r.format === "string" &&
        typeof r.source === "string" &&
        r.signer !== null &&
        typeof r.signer === "object" &&
        typeof r.signer.kind === "string",
    )
  );
}

const trustIds = new WeakMap<object, string>();
let nextTrustId = 1;

/**
 * A name for one trust material, so results verified under another root never
 * match: its content id when it has one (stable across processes, for shared
 * caches), else a number local to this process.
 */
export function trustId(trust: object & { readonly id?: string }): string {
  if (trust.id !== undefined) return trust.id;
  let id = trustIds.get(trust);
  if (id === undefined) {
    id = `local-${nextTrustId++}`;
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
