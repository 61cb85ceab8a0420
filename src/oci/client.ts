import type { Deps } from "../deps.ts";
import type { SingleFlight } from "../store/single-flight.ts";
import { TtlCache } from "../store/ttl-cache.ts";
import { Authenticator } from "./auth/auth.ts";
import type { Challenge } from "./auth/challenge.ts";
import type { CredentialSource } from "./auth/credentials.ts";
import { digestProblem } from "./content/digest.ts";
import type { Descriptor } from "./content/manifest.ts";
import { OciError } from "./errors.ts";
import { fetchBlob } from "./fetch-blob.ts";
import { type FetchedManifest, fetchManifest, resolveManifest } from "./fetch-manifest.ts";
import { Flights } from "./flights.ts";
import { type Operation, type RequestEvent, runOperation } from "./operation.ts";
import {
  type BlobOptions,
  type CallOptions,
  type ClientStats,
  completeLimits,
  type ReferrersOptions,
  type RegistryClientOptions,
  type RegistryLimits,
} from "./options.ts";
import {
  assertReference,
  formatReference,
  formatRepository,
  type ImageReference,
  type Repository,
} from "./reference.ts";
import { getReferrers, type Referrers } from "./referrers.ts";
import type { Session } from "./session.ts";
import { listTags } from "./tags.ts";
import { AddressPolicy } from "./transport/address-policy.ts";
import { ByteBudget } from "./transport/budget.ts";
import { Transport } from "./transport/transport.ts";

const DEFAULT_TIMEOUT_MS = 10_000;
const HOUR_MS = 3_600_000;

interface Core {
  deps: Deps;
  limits: RegistryLimits;
  policy: AddressPolicy;
  auth: Authenticator;
  timeoutMs: number;
  onRequest: ((event: RequestEvent) => void) | undefined;
}

/**
 * A Distribution API client over the injected `fetch`. Every manifest and
 * blob is digest-checked as it streams in. Results are frozen and shared
 * through the store; returned byte arrays are fresh copies.
 */
export class RegistryClient {
  #core: Core;
  #flights: Flights;
  /** One per admission view (`withStore`), shared by its credential views. */
  #budget: ByteBudget;
  #tally = { requests: 0 };

  constructor(options: RegistryClientOptions) {
    const { deps } = options;
    const limits = completeLimits(options.limits);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0)) {
      throw new OciError("CONFIG_INVALID", `timeoutMs must be > 0, got ${timeoutMs}`);
    }
    const policy = new AddressPolicy(options.insecureRegistries);
    const { maxRedirects, maxAttempts, maxRetryDelayMs } = limits;
    const transport = new Transport({
      fetch: deps.fetch,
      logger: deps.logger,
      policy,
      maxRedirects,
      maxAttempts,
      maxRetryDelayMs,
    });
    const auth = new Authenticator({
      transport,
      credentials: options.credentials,
      tokens:
        options.tokenCache ?? new TtlCache({ maxEntries: 256, ttlMs: HOUR_MS, clock: deps.clock }),
      challenges: new TtlCache<string, Challenge>({
        maxEntries: 64,
        ttlMs: HOUR_MS,
        clock: deps.clock,
      }),
    });
    this.#core = { deps, limits, policy, auth, timeoutMs, onRequest: options.onRequest };
    this.#flights = new Flights(options.store);
    this.#budget = new ByteBudget(limits.admissionBytes);
  }

  /**
   * A client sharing this one's tokens and settings, whose requests go
   * through `store`, with a fresh byte budget (`limits.admissionBytes`).
   */
  withStore(store: SingleFlight<string, unknown> | undefined): RegistryClient {
    const view = new RegistryClient({ deps: this.#core.deps, ...(store && { store }) });
    view.#core = this.#core;
    view.#budget = new ByteBudget(this.#core.limits.admissionBytes);
    return view;
  }

  /**
   * A view over the same store, byte budget and tokens that authenticates
   * with `credentials` first (a rule's pull secrets) and this client's own
   * after. Its registry calls are shared only with views of the same
   * `setName`, so which rule starts a call first never decides with which
   * credentials another rule's call is made.
   */
  withCredentials(credentials: CredentialSource, setName: string): RegistryClient {
    const view = new RegistryClient({ deps: this.#core.deps });
    view.#core = { ...this.#core, auth: this.#core.auth.withCredentials(credentials, setName) };
    view.#flights = this.#flights.scoped(setName);
    view.#budget = this.#budget;
    view.#tally = this.#tally;
    return view;
  }

  /** Over this admission view and its credential views. */
  get stats(): ClientStats {
    return { requests: this.#tally.requests, shared: this.#flights.shared };
  }

  /** The descriptor of `ref`'s manifest, by HEAD where the registry allows. */
  async resolve(ref: ImageReference, options: CallOptions = {}): Promise<Readonly<Descriptor>> {
    assertReference(ref);
    const reference = formatReference(ref);
    return this.#run(`resolving ${reference}`, reference, options, (s, op) =>
      resolveManifest(s, ref, op),
    );
  }

  /** The manifest of `ref` (by digest when it has one), verified; `bytes` is a fresh copy. */
  async getManifest(ref: ImageReference, options: CallOptions = {}): Promise<FetchedManifest> {
    assertReference(ref);
    const reference = formatReference(ref);
    const step = `fetching the manifest of ${reference}`;
    const fetched = await this.#run(step, reference, options, (s, op) => fetchManifest(s, ref, op));
    return { ...fetched, bytes: fetched.bytes.slice() };
  }

  /** The blob `descriptor` names in `repo`, verified; a fresh copy. */
  async getBlob(
    repo: Repository,
    descriptor: Readonly<Descriptor>,
    options: BlobOptions = {},
  ): Promise<Uint8Array> {
    assertReference(repo);
    const problem =
      digestProblem(descriptor.digest) ??
      (Number.isSafeInteger(descriptor.size) && descriptor.size >= 0
        ? undefined
        : `size ${descriptor.size} is not a whole number >= 0`);
    if (problem !== undefined) {
      throw new OciError("REFERENCE_INVALID", `blob descriptor: ${problem}`);
    }
    const maxBytes = options.maxBytes ?? this.#core.limits.blobBytes;
    const reference = `${formatRepository(repo)}@${descriptor.digest}`;
    const step = `fetching blob ${reference}`;
    const bytes = await this.#run(step, reference, options, (s, op) =>
      fetchBlob(s, repo, descriptor, maxBytes, op),
    );
    return bytes.slice();
  }

  /** Every tag of `repo`, following pagination within `limits.maxPages` / `maxTags`. */
  async listTags(repo: Repository, options: CallOptions = {}): Promise<string[]> {
    assertReference(repo);
    const reference = formatRepository(repo);
    return this.#run(`listing the tags of ${reference}`, reference, options, (s, op) =>
      listTags(s, repo, op),
    );
  }

  /** Manifests whose `subject` is `digest`: referrers API, else the `sha256-<hex>` tag. */
  async getReferrers(
    repo: Repository,
    digest: string,
    options: ReferrersOptions = {},
  ): Promise<Referrers> {
    assertReference(repo);
    const problem = digestProblem(digest);
    if (problem !== undefined) {
      throw new OciError("REFERENCE_INVALID", `referrers subject "${digest}": ${problem}`);
    }
    const { artifactType } = options;
    const of = artifactType === undefined ? "" : ` of type ${artifactType}`;
    const reference = `${formatRepository(repo)}@${digest}`;
    const step = `listing referrers${of} of ${reference}`;
    return this.#run(step, reference, options, (s, op) =>
      getReferrers(s, repo, digest, artifactType, op),
    );
  }

  #run<T>(
    step: string,
    reference: string,
    options: CallOptions,
    body: (session: Session, op: Operation) => Promise<T>,
  ): Promise<T> {
    const { deps, limits, policy, auth, timeoutMs, onRequest } = this.#core;
    const session: Session = { deps, limits, policy, auth, flights: this.#flights };
    const observe = (event: RequestEvent): void => {
      this.#tally.requests++;
      onRequest?.(event);
    };
    const setup = {
      step,
      reference,
      timeoutMs,
      clock: deps.clock,
      observe,
      signal: options.signal,
      budget: this.#budget,
    };
    return runOperation(setup, (op) => body(session, op));
  }
}
