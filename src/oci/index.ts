/**
 * The OCI registry client of imgverify: image references, the Distribution
 * API (manifests, blobs, tags, referrers with the tag fallback), auth
 * challenges and tokens, Docker config credentials, the address policy.
 */

export { type Challenge, parseChallenges } from "./auth/challenge.ts";
export {
  type CredentialHelperRef,
  type CredentialLookup,
  type CredentialSource,
  firstCredentials,
  normaliseConfigKey,
  parseDockerConfig,
  type RegistryCredential,
} from "./auth/credentials.ts";
export { RegistryClient } from "./client.ts";
export { digestProblem, isDigest, sha256Digest } from "./content/digest.ts";
export {
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  isImageIndex,
  type Manifest,
  type Platform,
} from "./content/manifest.ts";
export * from "./content/media-types.ts";
export {
  DEFAULT_PLATFORM,
  formatPlatform,
  type PlatformSpec,
  parsePlatform,
  selectPlatform,
} from "./content/platform.ts";
export { isOciError, OciError, type OciErrorCode, type OciErrorDetails } from "./errors.ts";
export type { FetchedManifest } from "./fetch-manifest.ts";
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
export { AddressPolicy } from "./transport/address-policy.ts";
