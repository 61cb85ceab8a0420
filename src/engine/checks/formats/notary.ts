/**
 * Notary Project signatures (notation): referrers of the image with artifact
 * type `application/vnd.cncf.notary.signature`, whose one layer is a JWS or
 * COSE envelope over the image's descriptor, trusted through the policy's
 * certificates (a notation `ca` trust store, as Kyverno configures it); and
 * Notary attestations, referrers of other artifact types signed the same way.
 */
import type { Descriptor, ImageManifest } from "../../../oci/content/manifest.ts";
import type { Repository } from "../../../oci/reference.ts";
import {
  COSE_MEDIA_TYPE,
  JWS_MEDIA_TYPE,
  SIGNATURE_ARTIFACT_TYPE,
  verifyNotarySignature,
} from "../../../verify/notary/index.ts";
import { examineAll } from "../candidates.ts";
import { checkError } from "../errors.ts";
import { cosignOnlySettings, type FormatRun } from "../format.ts";
import { signalOf } from "../image.ts";
import { decide, type Outcome } from "../outcomes.ts";
import { referrerCandidates } from "../referrers.ts";
import {
  type CheckContext,
  DEFAULT_CHECK_LIMITS,
  type ImageTarget,
  type TrustPolicy,
  type VerifiedAttestation,
  type VerifiedSignature,
} from "../types.ts";

const ENVELOPE_TYPES: readonly string[] = [JWS_MEDIA_TYPE, COSE_MEDIA_TYPE];
const isNotaryType = (type: string): boolean => type === SIGNATURE_ARTIFACT_TYPE;

/** Checks Notary signature referrers; throws `POLICY_INVALID` for a policy without certificates. */
export function prepareNotaryCheck(policy: TrustPolicy): FormatRun {
  const { signer } = policy;
  if (signer.kind !== "certificate") {
    throw checkError("POLICY_INVALID", "Notary signatures are verified against certificates");
  }
  const anchors = [signer.certificate, signer.chain].filter((pem) => pem !== undefined);
  if (anchors.length === 0) {
    throw checkError("POLICY_INVALID", "the certificate policy names no certificate");
  }
  const cosignOnly = cosignOnlySettings(policy, false);
  if (cosignOnly.length > 0) {
    throw checkError(
      "POLICY_INVALID",
      `Notary signatures use no transparency log and no cosign payload; ${cosignOnly.join(", ")} cannot be applied to them`,
    );
  }
  // Kyverno's trust store: the certificate and the chain together.
  const trust: NotaryTrust = {
    trustedCertificates: anchors.join("\n"),
    timestampCertificates: policy.tsaCertChain,
  };
  const signatures = (ctx: CheckContext, target: ImageTarget, repository: Repository) =>
    notarySignatures(ctx, target, repository, trust);
  return (ctx, target, repository, evidence) =>
    evidence.kind === "signature"
      ? signatures(ctx, target, repository)
      : notaryAttestations(ctx, target, repository, evidence.predicateType, signatures);
}

type SignatureRun = (
  ctx: CheckContext,
  target: ImageTarget,
  repository: Repository,
) => Promise<(Outcome<VerifiedSignature> | undefined)[]>;

/** The trust stores: `ca` (the signers' anchors) and `tsa` (timestamp authorities, optional). */
interface NotaryTrust {
  readonly trustedCertificates: string;
  readonly timestampCertificates: string | undefined;
}

function notarySignatures(
  ctx: CheckContext,
  target: ImageTarget,
  repository: Repository,
  trust: NotaryTrust,
): Promise<(Outcome<VerifiedSignature> | undefined)[]> {
  return examineAll(
    `Notary signature referrers of ${target.name}`,
    () => referrerCandidates(ctx, target, repository, isNotaryType),
    async ({ manifest }, source): Promise<VerifiedSignature> => {
      const layer = manifest.layers.find((l) => ENVELOPE_TYPES.includes(l.mediaType));
      if (manifest.layers.length !== 1 || layer === undefined) {
        throw checkError(
          "ARTIFACT_INVALID",
          `a Notary signature manifest has one layer of type ${ENVELOPE_TYPES.join(" or ")}`,
        );
      }
      const maxBytes = ctx.limits?.maxSignatureBytes ?? DEFAULT_CHECK_LIMITS.maxSignatureBytes;
      const [envelope, image] = await Promise.all([
        ctx.client.getBlob(repository, layer, { ...signalOf(ctx), maxBytes }),
        imageDescriptor(ctx, target),
      ]);
      const result = await verifyNotarySignature({
        envelope,
        mediaType: layer.mediaType,
        target: image,
        trustedCertificates: trust.trustedCertificates,
        ...(trust.timestampCertificates !== undefined && {
          timestampCertificates: trust.timestampCertificates,
        }),
        now: new Date(ctx.now()),
      });
      const signature: VerifiedSignature = {
        format: "notary",
        source,
        signer: { kind: "certificate", subject: result.leafSubject },
      };
      // The signer's own signing time is a claim; a verified countersignature is not.
      if (result.timestamp.status === "verified") {
        signature.signedAt = result.timestamp.time.toISOString();
      }
      return signature;
    },
  );
}

/**
 * Notary attestations, as Kyverno reads them: referrers of the image whose
 * artifact type is the attestation's type, each signed by its own Notary
 * signature referrers; the one layer of a referrer so signed is its payload.
 * Unlike Kyverno's extractPayload, an unsigned referrer's payload is never read.
 */
function notaryAttestations(
  ctx: CheckContext,
  target: ImageTarget,
  repository: Repository,
  artifactType: string,
  signatures: SignatureRun,
): Promise<(Outcome<VerifiedSignature> | undefined)[]> {
  return examineAll(
    `Notary ${artifactType} referrers of ${target.name}`,
    () => referrerCandidates(ctx, target, repository, (type) => type === artifactType),
    async ({ descriptor, manifest }, source): Promise<VerifiedAttestation> => {
      const referrer: ImageTarget = {
        name: source,
        repository: target.repository,
        digest: descriptor.digest,
        mediaType: descriptor.mediaType,
        size: descriptor.size,
      };
      const [signature] = decide(
        await signatures(ctx, referrer, repository),
        { noun: "signature", image: source },
        { code: "NO_SIGNATURES", message: `the attestation ${source} has no Notary signature` },
      );
      const predicate = await payloadOf(ctx, repository, manifest, source);
      return {
        ...(signature as VerifiedSignature),
        predicateType: artifactType,
        statement: { ...manifest, type: artifactType, predicate },
      };
    },
  );
}

/** The JSON of a Notary attestation's one layer. */
async function payloadOf(
  ctx: CheckContext,
  repository: Repository,
  manifest: ImageManifest,
  source: string,
): Promise<unknown> {
  const [layer] = manifest.layers;
  if (manifest.layers.length !== 1 || layer === undefined) {
    throw checkError(
      "ARTIFACT_INVALID",
      `the attestation ${source} has ${manifest.layers.length} layers; its payload is one layer`,
    );
  }
  const maxBytes = ctx.limits?.maxAttestationBytes ?? DEFAULT_CHECK_LIMITS.maxAttestationBytes;
  const bytes = await ctx.client.getBlob(repository, layer, { ...signalOf(ctx), maxBytes });
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw checkError("ARTIFACT_INVALID", `the payload of the attestation ${source} is not JSON`);
  }
}

/** The image's descriptor, which a Notary signature signs: from resolving, or asked by digest. */
async function imageDescriptor(
  ctx: CheckContext,
  target: ImageTarget,
): Promise<{ mediaType: string; digest: string; size: number }> {
  const { mediaType, size, digest } = target;
  if (mediaType !== undefined && size !== undefined) return { mediaType, digest, size };
  const resolved: Readonly<Descriptor> = await ctx.client.resolve(
    { ...target.repository, tag: undefined, digest },
    signalOf(ctx),
  );
  return { mediaType: resolved.mediaType, digest, size: resolved.size };
}
