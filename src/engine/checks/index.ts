/**
 * The leaf checks of image verification: for one image and one trust
 * policy, fetch the signature artifacts (cosign tags, Sigstore bundle and
 * Notary referrers) through the request's store and run the pure verifiers.
 */
export {
  checkAttestations,
  checkSignatures,
  formatsFor,
} from "./check.ts";
export { describeSigner, describeVerified } from "./describe.ts";
export { type CheckErrorCode, checkError } from "./errors.ts";
export { describeTarget, resolveImage, signalOf } from "./image.ts";
export { type Failure, isEnvironmentFault, isPolicyFault, NotVerifiedError } from "./outcomes.ts";
export {
  lazyTrustMaterial,
  prepareTrustMaterial,
  type TrustMaterial,
  trustRootId,
} from "./trust.ts";
// Every type the checks share, as types.ts defines them.
export * from "./types.ts";
export { type ImageRequest, type ImageVerdict, verifyImage } from "./verify-image.ts";
