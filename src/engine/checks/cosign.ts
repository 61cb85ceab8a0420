/**
 * Classic cosign signatures (`.sig`) and DSSE attestations (`.att`): the
 * layers of the tag manifest, each verified by the cosign verifier under the
 * policy prepared once.
 */

import type { Descriptor } from "../../oci/manifest.ts";
import { formatRepository, type Repository } from "../../oci/reference.ts";
import {
  type CosignPolicy,
  type CosignSigner,
  type CosignTrust,
  type PreparedCosignPolicy,
  prepareCosignPolicy,
  verifyCosignAttestation,
  verifyCosignSignature,
  wildcardMatch,
} from "../../verify/cosign/index.ts";
import { examineAll } from "./candidates.ts";
import { cosignLayerCandidates, cosignTag } from "./cosign-tag.ts";
import type { FormatRun } from "./format.ts";
import type { Outcome } from "./outcomes.ts";
import {
  type CheckContext,
  DEFAULT_CHECK_LIMITS,
  type ImageTarget,
  type SignerPolicy,
  type TrustPolicy,
  type VerifiedAttestation,
  type VerifiedSignature,
  type VerifiedSigner,
} from "./types.ts";

/** cosign's annotation on an attestation layer: a hint to pass over other types unfetched. */
const PREDICATE_TYPE_ANNOTATION = "predicateType";

interface Prepared {
  policy: PreparedCosignPolicy;
  trust: CosignTrust;
}

/** Checks cosign `.sig` / `.att` layers; throws `POLICY_INVALID` for an unusable policy. */
export function prepareCosignCheck(policy: TrustPolicy): FormatRun {
  const prepared = {
    policy: prepareCosignPolicy(cosignPolicy(policy)),
    trust: policy.trust.cosign,
  };
  return (ctx, target, repository, evidence) =>
    evidence.kind === "signature"
      ? signatures(ctx, target, repository, prepared)
      : attestations(ctx, target, repository, prepared, evidence.predicateType);
}

function signatures(
  ctx: CheckContext,
  target: ImageTarget,
  repository: Repository,
  { policy, trust }: Prepared,
): Promise<(Outcome<VerifiedSignature> | undefined)[]> {
  const maxBytes = ctx.limits?.maxSignatureBytes ?? DEFAULT_CHECK_LIMITS.maxSignatureBytes;
  return examineAll(
    `cosign signatures ${formatRepository(repository)}:${cosignTag(target.digest, "sig")}`,
    () => cosignLayerCandidates(ctx, target, repository, "sig", maxBytes),
    async ({ bytes, descriptor }, source) => {
      const result = await verifyCosignSignature({
        layer: bytes,
        annotations: descriptor.annotations,
        imageDigest: target.digest,
        policy,
        trust,
        now: new Date(ctx.now()),
      });
      return verified(source, result, policy);
    },
  );
}

function attestations(
  ctx: CheckContext,
  target: ImageTarget,
  repository: Repository,
  { policy, trust }: Prepared,
  predicateType: string,
): Promise<(Outcome<VerifiedSignature> | undefined)[]> {
  const maxBytes = ctx.limits?.maxAttestationBytes ?? DEFAULT_CHECK_LIMITS.maxAttestationBytes;
  const otherType = (layer: Readonly<Descriptor>): boolean => {
    const hint = layer.annotations?.[PREDICATE_TYPE_ANNOTATION];
    return hint !== undefined && hint !== predicateType;
  };
  return examineAll(
    `cosign attestations ${formatRepository(repository)}:${cosignTag(target.digest, "att")}`,
    () => cosignLayerCandidates(ctx, target, repository, "att", maxBytes, otherType),
    async ({ bytes, descriptor }, source): Promise<VerifiedAttestation | undefined> => {
      const result = await verifyCosignAttestation({
        layer: bytes,
        annotations: descriptor.annotations,
        imageDigest: target.digest,
        predicateType,
        policy,
        trust,
        now: new Date(ctx.now()),
      });
      if (result === undefined) return undefined;
      const { statement } = result;
      return { ...verified(source, result, policy), predicateType, statement };
    },
  );
}

/** The policy in the cosign verifier's terms. */
function cosignPolicy(policy: TrustPolicy): CosignPolicy {
  const common = {
    rekor: { ignoreTlog: !policy.requireTlog },
    ctlog: { ignoreSCT: !policy.requireSct },
  };
  const signer: SignerPolicy = policy.signer;
  switch (signer.kind) {
    case "keys":
      return { kind: "key", keys: signer.keys, ...common };
    case "certificate":
      return {
        kind: "certificate",
        cert: signer.certificate,
        ...(signer.chain !== undefined && { certChain: signer.chain }),
        ...common,
      };
    case "keyless":
      return { kind: "keyless", ...signer.identity, ...common };
  }
}

function verified(
  source: string,
  result: { signer: CosignSigner; tlog: unknown; signedAt: Date },
  policy: PreparedCosignPolicy,
): VerifiedSignature {
  const signature: VerifiedSignature = {
    format: "cosign",
    source,
    signer: signerOf(result.signer, policy),
  };
  // Without a log entry, the verifier's signing time is only the clock's.
  if (result.tlog !== undefined) signature.signedAt = result.signedAt.toISOString();
  return signature;
}

function signerOf(signer: CosignSigner, policy: PreparedCosignPolicy): VerifiedSigner {
  if (signer.kind === "key") return { kind: "key", keyId: signer.keyId };
  const names = signer.subjects.join(", ");
  if (policy.signer.kind === "keyless") {
    const { identity } = policy.signer;
    const matches = (name: string): boolean =>
      (identity.subject !== undefined && wildcardMatch(identity.subject, name)) ||
      (identity.subjectRegExp?.test(name) ?? false);
    const subject = signer.subjects.find(matches) ?? names;
    return { kind: "keyless", subject, issuer: signer.issuer ?? "" };
  }
  return { kind: "certificate", subject: names, fingerprint: signer.fingerprint };
}
