/**
 * Verifies a Sigstore bundle offline: `@sigstore/verify` checks timestamps,
 * the certificate chain and SCTs (or the managed key), transparency-log proofs
 * and the signature; this module adds what it leaves to callers: the media
 * type, the artifact's digest against the bundle, the identity policy matched
 * exactly, and the in-toto statement's subject against the artifact.
 */
import type { Bundle } from "@sigstore/bundle";
import { type SignedEntity, type Signer, type TrustMaterial, Verifier } from "@sigstore/verify";
import type { PreparedTrustedRoot } from "../trust/trusted-root.ts";
import { type ArtifactInput, resolveArtifact } from "./artifact.ts";
import { bundleError } from "./errors.ts";
import { fromLibraryError } from "./library-errors.ts";
import { type BundleInput, parseBundle } from "./parse.ts";
import {
  assertIdentity,
  assertIdentityPolicyUsable,
  type BundlePolicy,
  type CertificateSigner,
  policyKeyFinder,
} from "./policy.ts";
import { signedEntity } from "./signed-entity.ts";
import { assertSubjectMatches, type InTotoStatement, parseStatement } from "./statement.ts";
import type { TimestampAuthority } from "./timestamp-authority.ts";

export interface VerifyBundleOptions {
  bundle: BundleInput;
  artifact: ArtifactInput;
  trustedRoot: PreparedTrustedRoot;
  policy: BundlePolicy;
  /** Trusted for RFC 3161 timestamps besides the root's (`policyTimestampAuthority`). */
  timestampAuthorities?: readonly TimestampAuthority[];
}

export type BundleSigner = CertificateSigner | { kind: "key"; keyHint: string };

export interface BundleVerification {
  mediaType: string;
  signer: BundleSigner;
  /** The verified in-toto statement of a DSSE bundle. */
  statement?: InTotoStatement;
  /** The earliest verified timestamp (log integration or RFC 3161). */
  signedAt: Date;
}

/** At least one of each, as every Sigstore client requires by default. */
const THRESHOLDS = { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 } as const;

/** Verifies `bundle` for `artifact`; throws `ImgverifyError<BundleErrorCode>` on any failure. */
export function verifyBundle(options: VerifyBundleOptions): BundleVerification {
  const { policy } = options;
  if ("identity" in policy) assertIdentityPolicyUsable(policy.identity);
  const bundle = parseBundle(options.bundle);
  const artifact = resolveArtifact(options.artifact);
  const material = withTimestampAuthorities(
    trustMaterialFor(bundle, policy, options.trustedRoot),
    options.timestampAuthorities ?? [],
  );
  const entity = signedEntity(bundle, artifact);
  let signer: Signer;
  try {
    signer = new Verifier(material, THRESHOLDS).verify(entity);
  } catch (err) {
    throw fromLibraryError(err, "bundle verification");
  }
  const verifiedSigner = signerOf(bundle, signer);
  if ("identity" in policy && verifiedSigner.kind === "certificate") {
    assertIdentity(policy.identity, verifiedSigner);
  }
  const result: BundleVerification = {
    mediaType: bundle.mediaType,
    signer: verifiedSigner,
    signedAt: earliestTimestamp(entity),
  };
  if (bundle.content.$case === "dsseEnvelope") {
    const statement = parseStatement(bundle.content.dsseEnvelope);
    assertSubjectMatches(statement, artifact);
    result.statement = statement;
  }
  return result;
}

/** The policy decides between a managed key and keyless certificates; the bundle must agree. */
function trustMaterialFor(
  bundle: Bundle,
  policy: BundlePolicy,
  root: PreparedTrustedRoot,
): TrustMaterial {
  const signedWithKey = bundle.verificationMaterial.content.$case === "publicKey";
  if ("key" in policy) {
    if (!signedWithKey) {
      throw bundleError(
        "POLICY_MISMATCH",
        "bundle is signed with a certificate, but the policy names a public key",
      );
    }
    return { ...root.material, publicKey: policyKeyFinder(policy.key) };
  }
  if (signedWithKey) {
    throw bundleError(
      "POLICY_MISMATCH",
      "bundle is signed with a managed key, but the policy names a keyless identity",
    );
  }
  return root.material;
}

function withTimestampAuthorities(
  material: TrustMaterial,
  extra: readonly TimestampAuthority[],
): TrustMaterial {
  if (extra.length === 0) return material;
  return { ...material, timestampAuthorities: [...material.timestampAuthorities, ...extra] };
}

function signerOf(bundle: Bundle, signer: Signer): BundleSigner {
  const material = bundle.verificationMaterial.content;
  if (material.$case === "publicKey") return { kind: "key", keyHint: material.publicKey.hint };
  const subject = signer.identity?.subjectAlternativeName;
  const issuer = signer.identity?.extensions?.issuer;
  if (subject === undefined || issuer === undefined) {
    throw bundleError(
      "IDENTITY_MISMATCH",
      "signing certificate names no subject alternative name or no OIDC issuer",
    );
  }
  return { kind: "certificate", subject, issuer };
}

function earliestTimestamp(entity: SignedEntity): Date {
  const times = entity.timestamps.map((t) =>
    t.$case === "transparency-log"
      ? Number(t.tlogEntry.integratedTime) * 1000
      : t.timestamp.signingTime.getTime(),
  );
  return new Date(Math.min(...times));
}
