/** The engine's inputs and its answer for one admission request. */
import type { JsonPatchOperation } from "../admission/index.ts";
import type { Clock } from "../deps.ts";
import type { RegistryClient } from "../oci/client.ts";
import type {
  ConfigMapSource,
  FailureAction,
  FailurePolicy,
  MatchInput,
  SecretSource,
  VerifyImagesPolicy,
} from "../policy/index.ts";
import type { VerificationCache } from "./cache/cache.ts";
import type { CheckLimits, TrustMaterial } from "./checks/index.ts";

export type ResultStatus = "pass" | "fail" | "error" | "skip";

/** The outcome of one verifyImages entry (or a whole rule, when `image` is "") for one image. */
export interface ImageResult {
  readonly policy: string;
  readonly rule: string;
  /** The image as the object names it; "" for a result about the rule itself. */
  readonly image: string;
  /** The field path of the verifyImages entry, or of the rule. */
  readonly path: string;
  readonly status: ResultStatus;
  readonly message: string;
  /** The digest verified. */
  readonly digest?: string;
  /** The error code behind an `error` result. */
  readonly code?: string;
  readonly failureAction: FailureAction;
  readonly failurePolicy: FailurePolicy;
  /** Report as a warning even when it does not deny (a skipped image, `emitWarning`). */
  readonly warn?: boolean;
  readonly timedOut?: boolean;
}

export interface EngineOptions {
  /** Kyverno 1.11 behaviour: one check at a time, no request store, no cache. Default false. */
  sequential?: boolean;
  /**
   * Share registry calls and identical checks within the request (the
   * per-request store). Default true. False runs every unit on its own, each
   * fetching what it needs: the fan-out without the store, for comparison
   * (`maxParallelChecks` then bounds each unit's checks). Ignored in
   * sequential mode, which never shares.
   */
  requestStore?: boolean;
  /** Use the cross-request cache (when one is given). Default true. */
  useCache?: boolean;
  /** The answer may carry a patch (mutating webhook): digest pins satisfy `verifyDigest`. Default true. */
  mutate?: boolean;
  /** Budget when no matched policy sets `webhookTimeoutSeconds`. Default 10. */
  defaultTimeoutSeconds?: number;
  /**
   * When the admission arrived (the clock's ms), if before this call: the
   * budget counts from then, so time spent reading and decoding the request
   * under load is not added on top of the caller's timeout.
   */
  receivedAt?: number;
  /** Kept back from the webhook timeout to answer in time; default 10 % of it, at most 1 s. */
  marginMs?: number;
  configMaps?: ConfigMapSource;
  /** Where attestors' `keys.secret` Secrets and entries' pull secrets are read; none by default. */
  secrets?: SecretSource;
  /** imgverify's own namespace, where bare pull-secret names are looked up; default `imgverify`. */
  ownNamespace?: string;
  /** Facts the match may need that the request does not carry. */
  matchFacts?: Pick<MatchInput, "namespaceLabels" | "roles" | "clusterRoles">;
  limits?: Partial<CheckLimits>;
  /**
   * The length of the AdmissionReview text the request was read from, when
   * known: an answer too large to remember is then not keyed at all.
   */
  reviewLength?: number;
  /** Leaf checks in flight at once in parallel mode; default 256. */
  maxParallelChecks?: number;
}

export interface EngineContext {
  policies: readonly VerifyImagesPolicy[];
  client: RegistryClient;
  trust: TrustMaterial;
  clock: Clock;
  /** Verified results kept across requests; none: nothing is kept. */
  cache?: VerificationCache;
  options?: EngineOptions;
}

export interface EngineTiming {
  mode: "parallel" | "sequential";
  /** Wall time of the evaluation, ms. */
  totalMs: number;
  /** The time budget the evaluation had, ms. */
  budgetMs: number;
  timedOut: boolean;
  /** HTTP exchanges with registries. */
  requests: number;
  /** Registry calls answered by the request's store instead of the network. */
  sharedRequests: number;
  /** Image references resolved to digests. */
  resolutions: number;
  /** Leaf checks run, shared within the request, and answered by the cache. */
  checks: number;
  sharedChecks: number;
  cachedChecks: number;
  /**
   * Units whose verdict was folded while their tags were being resolved, on
   * the image each tag named last, and that the registry's answers confirmed.
   */
  foreseen: number;
}

export interface AdmissionEvaluation {
  allowed: boolean;
  /** The denial, Kyverno's text. */
  message?: string;
  warnings: string[];
  /** Digest pins and the verify-images annotations; empty when nothing changes or the request is denied. */
  patch: JsonPatchOperation[];
  results: ImageResult[];
  timing: EngineTiming;
}
