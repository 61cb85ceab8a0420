import type { Deps } from "../deps.ts";
import type { SingleFlight } from "../store/single-flight.ts";
import type { TtlCache } from "../store/ttl-cache.ts";
import type { CredentialSource } from "./auth/credentials.ts";
import { OciError } from "./errors.ts";
import type { RequestEvent } from "./operation.ts";

/** The options of `RegistryClient` and of its calls, and the limits it keeps to. */

/** Bounds on every size, count and wait of the client. */
export interface RegistryLimits {
  /** Largest manifest, referrers page or tag-list page, in bytes. */
  manifestBytes: number;
  /** Default largest blob (signature, attestation), in bytes; `getBlob` can lower or raise it. */
  blobBytes: number;
  maxRedirects: number;
  /** Attempts per request when the registry answers 429 or 503. */
  maxAttempts: number;
  /** Longest wait between attempts; a longer `Retry-After` ends the retries. */
  maxRetryDelayMs: number;
  /** Most pages followed through `Link` headers (tags, referrers). */
  maxPages: number;
  /** Most tags listed. */
  maxTags: number;
  /** Most referrers listed. */
  maxReferrers: number;
  /** Most bytes read from registries for one admission (one `withStore` view), all fetches together. */
  admissionBytes: number;
}

export const DEFAULT_LIMITS: Readonly<RegistryLimits> = Object.freeze({
  manifestBytes: 4 * 1024 * 1024,
  blobBytes: 10 * 1024 * 1024,
  maxRedirects: 5,
  maxAttempts: 3,
  maxRetryDelayMs: 10_000,
  maxPages: 20,
  maxTags: 10_000,
  maxReferrers: 1_000,
  admissionBytes: 64 * 1024 * 1024,
});

/** `limits` over the defaults; throws `CONFIG_INVALID` for a value that is not a whole number >= 0. */
export function completeLimits(limits: Partial<RegistryLimits> = {}): RegistryLimits {
  const complete = { ...DEFAULT_LIMITS, ...limits };
  for (const [name, value] of Object.entries(complete)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new OciError(
        "CONFIG_INVALID",
        `limits.${name} must be a whole number >= 0, got ${value}`,
      );
    }
  }
  return complete;
}

export interface RegistryClientOptions {
  deps: Deps;
  /** `HOST[:PORT]` reached over plain HTTP and allowed at private addresses; `https://HOST[:PORT]` keeps TLS. */
  insecureRegistries?: readonly string[];
  /** Where credentials come from, e.g. `parseDockerConfig(text)`; anonymous without. */
  credentials?: CredentialSource;
  limits?: Partial<RegistryLimits>;
  /** Deadline of each call in ms unless its signal ends it sooner; default 10 000. */
  timeoutMs?: number;
  /** The per-admission store; see `withStore`. Without one nothing is shared. */
  store?: SingleFlight<string, unknown>;
  /** Bearer tokens, to share across clients; by default each client keeps its own. */
  tokenCache?: TtlCache<string, string>;
  /** Called for every HTTP exchange (each attempt and redirect hop). */
  onRequest?: (event: RequestEvent) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface BlobOptions extends CallOptions {
  /** Largest blob accepted; default `limits.blobBytes`. */
  maxBytes?: number;
}

export interface ReferrersOptions extends CallOptions {
  /** Only referrers of this artifact type. */
  artifactType?: string;
}

export interface ClientStats {
  /** HTTP exchanges this client made. */
  requests: number;
  /** Calls answered by a load already in the store. */
  shared: number;
}
