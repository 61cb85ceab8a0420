/**
 * The admission engine of imgverify: Kyverno verifyImages policies applied to
 * one AdmissionReview request, every independent check at once over a
 * per-request store, verified evidence remembered across requests, within
 * the webhook's time budget; and Kyverno 1.11's sequential way for comparison.
 */
export { budgetMs } from "./budget.ts";
export {
  type CacheStats,
  canonicalJson,
  configId,
  type SharedVerifiedStore,
  VerificationCache,
  type VerificationCacheOptions,
} from "./cache/cache.ts";
export {
  MAX_SEALED_CHARS,
  MIN_SEAL_KEY_BYTES,
  sealedStore,
  type TextStore,
} from "./cache/sealed-store.ts";
export { type EngineErrorCode, engineError } from "./errors.ts";
export { evaluateAdmission } from "./evaluate.ts";
export { type CheckSpec, checkSpec } from "./trust-policy.ts";
export type {
  AdmissionEvaluation,
  EngineContext,
  EngineOptions,
  EngineTiming,
  ImageResult,
  ResultStatus,
} from "./types.ts";
export { blocks } from "./verdict.ts";
