/**
 * The OCI registry client of imgverify: image references, the Distribution
 * API (manifests, blobs, tags, referrers with the tag fallback), auth
 * challenges and tokens, Docker config credentials, the address policy.
 */
export { AddressPolicy } from "./address-policy.ts";
export { type Challenge, parseChallenges } from "./challenge.ts";
export { RegistryClient } from "./client.ts";
export {
  type CredentialHelperRef,
  type CredentialLookup,
  type CredentialSource,
  normaliseConfigKey,
  parseDockerConfig,
  type RegistryCredential,
} from "./credentials.ts";
export { digestProblem, isDigest, sha256Digest, toHex } from "./digest.ts";
export { isOciError, OciError, type OciErrorCode, type OciErrorDetails } from "./errors.ts";
export type { FetchedManifest } from "./fetch-manifest.ts";
export {
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  isImageIndex,
  type Manifest,
  type Platform,
} from "./manifest.ts";
export * from "./media-types.ts";
export type { RequestEvent } from "./operation.ts";
export {
  type BlobOptions,
  type CallOptions,
  type ClientStats,
  DEFAULT_LIMITS,
  type ReferrersOptions,
  type RegistryClientOptions,
  type RegistryLimits,
} from "./options.ts";
export {
  DEFAULT_PLATFORM,
  formatPlatform,
  type PlatformSpec,
  parsePlatform,
  selectPlatform,
} from "./platform.ts";
export {
  assertReference,
  DOCKER_HUB,
  formatReference,
  formatRepository,
  type ImageReference,
  normaliseRegistry,
  parseReference,
  type Repository,
  registryApiHost,
  withDigest,
} from "./reference.ts";
export { fallbackTag, type Referrers } from "./referrers.ts";
