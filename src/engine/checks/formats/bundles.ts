/**
 * Sigstore bundles stored as referrers of the image (cosign v3, `sigstore
 * attach`): a message signature over the image digest, or a DSSE envelope
 * whose in-toto statement names the image as its subject. cosign v3 stores
 * plain signatures as statements of predicate type `https://sigstore.dev/cosign/sign/v1`.
 */
import type { Repository } from "../../../oci/reference.ts";
import {
  type BundleVerification,
  type CertificateSigner,
  policyTimestampAuthority,
  verifyBundle,
} from "../../../verify/bundle/index.ts";
import { examineAll } from "../candidates.ts";
import { checkError } from "../errors.ts";
import { cosignOnlySettings, type FormatRun } from "../format.ts";
import { assertIdentity, identityMatcher } from "../identity.ts";
import { signalOf } from "../image.ts";
import { policyKeys } from "../keys.ts";
import { type ReferrerArtifact, referrerCandidates } from "../referrers.ts";
import {
  type CheckContext,
  DEFAULT_CHECK_LIMITS,
  type Evidence,
  type ImageTarget,
  type TrustPolicy,
  type VerifiedAttestation,
  type VerifiedSignature,
  type VerifiedSigner,
} from "../types.ts";
import { claimedPredicateType, isRecord } from "./dsse-peek.ts";

export const BUNDLE_ARTIFACT_TYPE_PREFIX = "application/vnd.dev.sigstore.bundle";
export const COSIGN_SIGN_PREDICATE_TYPE = "https://sigstore.dev/cosign/sign/v1";
/** The annotation cosign puts on a bundle referrer: a hint, never trusted. */
const PREDICATE_TYPE_ANNOTATION = "dev.sigstore.bundle.predicateType";
/** Any identity: the bundle verifier checks the certificate, `identityMatcher` the identity. */
const ANY_IDENTITY = { identity: { subjectRegExp: ".*", issuerRegExp: ".*" } };

const isBundleType = (type: string): boolean => type.startsWith(BUNDLE_ARTIFACT_TYPE_PREFIX);

type BundleVerifier = (
  bundle: object | Uint8Array,
  digest: string,
) => { verification: BundleVerification; signer: VerifiedSigner };

/** Checks Sigstore bundle referrers; throws `POLICY_INVALID` for a policy bundles cannot use. */
export function prepareBundleCheck(policy: TrustPolicy): FormatRun {
  refuseCosignOnlySettings(policy);
  const verify = bundleVerifier(policy);
  return (ctx, target, repository, evidence) =>
    examineAll(
      `Sigstore bundle referrers of ${target.name}`,
      () => referrerCandidates(ctx, target, repository, isBundleType),
      (artifact, source) =>
        examineBundle(ctx, target, repository, verify, evidence, artifact, source),
    );
}

async function examineBundle(
  ctx: CheckContext,
  target: ImageTarget,
  repository: Repository,
  verify: BundleVerifier,
  evidence: Evidence,
  { descriptor, manifest }: ReferrerArtifact,
  source: string,
): Promise<VerifiedSignature | undefined> {
  const hint =
    descriptor.annotations?.[PREDICATE_TYPE_ANNOTATION] ??
    manifest.annotations?.[PREDICATE_TYPE_ANNOTATION];
  if (hint !== undefined && !fits(evidence, { dsse: true, predicateType: hint })) return undefined;
  const layer = manifest.layers.find((l) => isBundleType(l.mediaType));
  if (layer === undefined) {
    throw checkError("ARTIFACT_INVALID", "the referrer has no Sigstore bundle layer");
  }
  const maxBytes = ctx.limits?.maxAttestationBytes ?? DEFAULT_CHECK_LIMITS.maxAttestationBytes;
  const bytes = await ctx.client.getBlob(repository, layer, { ...signalOf(ctx), maxBytes });
  const bundle = parseJson(bytes);
  if (!fits(evidence, claimedContent(bundle))) return undefined;
  const { verification, signer } = verify(isRecord(bundle) ? bundle : bytes, target.digest);
  const { statement } = verification;
  if (!fits(evidence, { dsse: statement !== undefined, predicateType: statement?.predicateType })) {
    return undefined;
  }
  const result: VerifiedSignature = { format: "bundle", source, signer };
  if (!Number.isNaN(verification.signedAt.getTime())) {
    result.signedAt = verification.signedAt.toISOString();
  }
  if (evidence.kind === "signature" || statement === undefined) return result;
  const attestation: VerifiedAttestation = {
    ...result,
    predicateType: evidence.predicateType,
    statement,
  };
  return attestation;
}

interface Content {
  dsse: boolean;
  /** What the statement claims; undefined when it cannot be read before verification. */
  predicateType: string | undefined;
}

/** What a bundle claims to hold, or undefined when it is too malformed to say (the verifier will). */
function claimedContent(bundle: unknown): Content | undefined {
  if (!isRecord(bundle)) return undefined;
  if (isRecord(bundle.messageSignature)) return { dsse: false, predicateType: undefined };
  if (!isRecord(bundle.dsseEnvelope)) return undefined;
  return { dsse: true, predicateType: claimedPredicateType(bundle.dsseEnvelope) };
}

/** Whether content may be the evidence: unknown content is examined, and fails there. */
function fits(evidence: Evidence, content: Content | undefined): boolean {
  if (content === undefined || (content.dsse && content.predicateType === undefined)) return true;
  if (evidence.kind === "signature") {
    return !content.dsse || content.predicateType === COSIGN_SIGN_PREDICATE_TYPE;
  }
  return content.dsse && content.predicateType === evidence.predicateType;
}

function bundleVerifier(policy: TrustPolicy): BundleVerifier {
  const { signer, trust } = policy;
  const { tsaCertChain } = policy;
  const timestampAuthorities =
    tsaCertChain === undefined ? [] : [policyTimestampAuthority(tsaCertChain)];
  switch (signer.kind) {
    case "keyless": {
      const matcher = identityMatcher(signer.identity);
      return (bundle, digest) => {
        const artifact = { digest };
        const verification = verifyBundle({
          bundle,
          artifact,
          trustedRoot: trust.sigstore,
          policy: ANY_IDENTITY,
          timestampAuthorities,
        });
        // An identity policy only accepts certificate-signed bundles (POLICY_MISMATCH otherwise).
        const certificate = verification.signer as CertificateSigner;
        assertIdentity(matcher, certificate);
        const { subject, issuer } = certificate;
        return { verification, signer: { kind: "keyless", subject, issuer } };
      };
    }
    case "keys": {
      const keys = policyKeys(signer.keys);
      return (bundle, digest) => {
        const errors: unknown[] = [];
        for (const key of keys) {
          try {
            const keyPolicy = { key: key.pem };
            const verification = verifyBundle({
              bundle,
              artifact: { digest },
              trustedRoot: trust.sigstore,
              policy: keyPolicy,
              timestampAuthorities,
            });
            return { verification, signer: { kind: "key", keyId: key.id } };
          } catch (err) {
            errors.push(err);
          }
        }
        throw errors[0];
      };
    }
    case "certificate":
      throw checkError(
        "POLICY_INVALID",
        "Sigstore bundles are verified with keys or a keyless identity, not a certificate",
      );
  }
}

/**
 * The bundle verifier checks every bundle against the trusted root alone,
 * with SHA-256 key signatures, and bundles carry no simple-signing payload:
 * settings it cannot apply are refused, never ignored.
 */
function refuseCosignOnlySettings(policy: TrustPolicy): void {
  const { signer } = policy;
  const refused = [
    ...cosignOnlySettings(policy, false),
    signer.kind === "keyless" && signer.roots !== undefined && "keyless roots",
    signer.kind === "keys" &&
      signer.signatureAlgorithm !== undefined &&
      signer.signatureAlgorithm !== "sha256" &&
      `signatureAlgorithm ${signer.signatureAlgorithm}`,
  ].filter((setting): setting is string => typeof setting === "string");
  if (refused.length > 0) {
    throw checkError(
      "POLICY_INVALID",
      `Sigstore bundles are verified against the trusted root with SHA-256 key signatures; ${refused.join(", ")} cannot be applied to them`,
    );
  }
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}
