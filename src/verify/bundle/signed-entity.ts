/**
 * The bundle as `@sigstore/verify` sees it, with the checks and adjustments
 * the library leaves to callers: the artifact's digest against the bundle's
 * message digest, digest-only message signatures, and DSSE envelopes logged
 * to Rekor v2 as hashedrekord.
 */
import type { Bundle } from "@sigstore/bundle";
import { HashAlgorithm } from "@sigstore/protobuf-specs";
import { type SignedEntity, toSignedEntity } from "@sigstore/verify";
import { bytesEqual } from "../../crypto/index.ts";
import type { DigestAlgorithm, ResolvedArtifact } from "./artifact.ts";
import { dsseContentForLogEntries } from "./dsse-hashedrekord.ts";
import { bundleError } from "./errors.ts";
import { fromLibraryError } from "./library-errors.ts";
import { prehashedSignatureContent } from "./prehashed.ts";

export function signedEntity(bundle: Bundle, artifact: ResolvedArtifact): SignedEntity {
  try {
    if (bundle.content.$case === "dsseEnvelope") {
      const { dsseEnvelope } = bundle.content;
      const entity = toSignedEntity(bundle);
      const { tlogEntries } = bundle.verificationMaterial;
      return {
        ...entity,
        signature: dsseContentForLogEntries(entity.signature, dsseEnvelope, tlogEntries),
      };
    }
    const digest = messageDigestOf(bundle.content.messageSignature.messageDigest, artifact);
    if (artifact.bytes !== undefined) {
      // The library types the artifact as a Node Buffer; node:crypto takes any Uint8Array.
      return toSignedEntity(bundle, artifact.bytes as Parameters<typeof toSignedEntity>[1]);
    }
    const entity = toSignedEntity(bundle);
    return { ...entity, signature: prehashedSignatureContent(entity.signature, digest) };
  } catch (err) {
    throw fromLibraryError(err, "reading the bundle");
  }
}

const MESSAGE_DIGEST_ALGORITHMS: Partial<Record<HashAlgorithm, DigestAlgorithm>> = {
  [HashAlgorithm.HASH_ALGORITHM_UNSPECIFIED]: "sha256",
  [HashAlgorithm.SHA2_256]: "sha256",
  [HashAlgorithm.SHA2_384]: "sha384",
  [HashAlgorithm.SHA2_512]: "sha512",
};

/**
 * The artifact's digest in the bundle's algorithm, which must equal the
 * bundle's message digest. That digest is only a hint, but one that disagrees
 * with the artifact means the bundle is for something else; say so plainly.
 */
function messageDigestOf(
  messageDigest: { algorithm: HashAlgorithm; digest: Uint8Array },
  artifact: ResolvedArtifact,
): Uint8Array {
  const algorithm = MESSAGE_DIGEST_ALGORITHMS[messageDigest.algorithm];
  const digest = algorithm === undefined ? undefined : artifact.digest(algorithm);
  if (digest === undefined) {
    throw bundleError(
      "UNSUPPORTED",
      `bundle digest algorithm ${HashAlgorithm[messageDigest.algorithm]} cannot be checked against ${artifact.label}`,
    );
  }
  if (!bytesEqual(messageDigest.digest, digest)) {
    throw bundleError(
      "ARTIFACT_MISMATCH",
      `bundle is for a different artifact: its message digest is not that of ${artifact.label}`,
    );
  }
  return digest;
}
