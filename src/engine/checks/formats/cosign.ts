/**
 * Classic cosign signatures (`.sig`) and DSSE attestations (`.att`): the
 * layers of the tag manifest, each verified by the cosign verifier under the
 * policy prepared once.
 */

import type { Descriptor } from "../../../oci/content/manifest.ts";
import { formatRepository, type Repository } from "../../../oci/reference.ts";
import {
  type CosignPolicy,
  type CosignSigner,
  type CosignTrust,
  type PreparedCosignPolicy,
  prepareCosignPolicy,
  verifyCosignAttestation,
  verifyCosignSignature,
  wildcardMatch,
} from "../../../verify/cosign/index.ts";
import { examineAll } from "../candidates.ts";
import { checkError } from "../errors.ts";
import type { FormatRun } from "../format.ts";
import type { Outcome } from "../outcomes.ts";
import {
  type CheckContext,
  type CheckLocation,
  DEFAULT_CHECK_LIMITS,
  type ImageTarget,
  type SignerPolicy,
  type TrustPolicy,
  type VerifiedAttestation,
  type VerifiedSignature,
  type VerifiedSigner,
} from "../types.ts";
import { cosignReferrerCandidates } from "./cosign-referrers.ts";
import { type CosignLayer, cosignLayerCandidates, cosignTag } from "./cosign-tag.ts";

/** cosign's annotation on an attestation layer: a hint to pass over other types unfetched. */
const PREDICATE_TYPE_ANNOTATION = "predicateType";

interface Prepared {
  policy: PreparedCosignPolicy;
  /** Read at run time: a lazily prepared root (the Worker's) is then parsed only when used. */
  readonly trust: CosignTrust;
  /** Required payload annotations, as [key, value] pairs. */
  annotations: readonly (readonly [string, string])[];
  /** Also read the OCI 1.1 signature referrers. */
  referrers: boolean;
}

/** Checks cosign `.sig` / `.att` layers; throws `POLICY_INVALID` for an unusable policy. */
export function prepareCosignCheck(policy: TrustPolicy, location: CheckLocation): FormatRun {
  const prepared: Prepared = {
    policy: prepareCosignPolicy(cosignPolicy(policy)),
    get trust() {
      return policy.trust.cosign;
    },
    annotations: Object.entries(policy.annotations ?? {}),
    referrers: location.cosignOCI11 === true,
  };
  return async (ctx, target, repository, evidence) => {
    if (evidence.kind === "signature") return signatures(ctx, target, repository, prepared);
    if (prepared.annotations.length > 0) {
      // Only simple-signing payloads carry signed annotations; a DSSE statement has none.
      throw checkError(
        "POLICY_INVALID",
        "cosign attestations carry no signed annotations; required annotations can only be checked on signatures",
      );
    }
    return attestations(ctx, target, repository, prepared, evidence.predicateType);
  };
}

async function signatures(
  ctx: CheckContext,
  target: ImageTarget,
  repository: Repository,
  prepared: Prepared,
): Promise<(Outcome<VerifiedSignature> | undefined)[]> {
  const { policy, trust, annotations } = prepared;
  const maxBytes = ctx.limits?.maxSignatureBytes ?? DEFAULT_CHECK_LIMITS.maxSignatureBytes;
  const examine = async (
    { bytes, descriptor }: CosignLayer,
    source: string,
  ): Promise<VerifiedSignature> => {
    const result = await verifyCosignSignature({
      layer: bytes,
      annotations: descriptor.annotations,
      imageDigest: target.digest,
      policy,
      trust,
      now: new Date(ctx.now()),
    });
    assertAnnotations(result.annotations, annotations);
    return verified(source, result, policy);
  };
  const tagged = examineAll(
    `cosign signatures ${formatRepository(repository)}:${cosignTag(target.digest, "sig")}`,
    () => cosignLayerCandidates(ctx, target, repository, "sig", maxBytes),
    examine,
  );
  if (!prepared.referrers) return tagged;
  // cosign tries the referrers first and falls back to the tag: either verifying is enough.
  const referred = examineAll(
    `cosign signature referrers of ${target.name}`,
    () => cosignReferrerCandidates(ctx, target, repository, maxBytes),
    examine,
  );
  return (await Promise.all([referred, tagged])).flat();
}

/** Throws `ANNOTATION_MISMATCH` unless the payload's `optional` object has every required value. */
function assertAnnotations(
  carried: Readonly<Record<string, unknown>> | undefined,
  required: readonly (readonly [string, string])[],
): void {
  const missing = required.filter(
    ([key, value]) =>
      carried === undefined || !Object.hasOwn(carried, key) || carried[key] !== value,
  );
  if (missing.length === 0) return;
  const wanted = missing.map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(", ");
  const has = carried === undefined ? "none" : JSON.stringify(carried);
  throw checkError(
    "ANNOTATION_MISMATCH",
    `the signature's payload lacks the required annotations ${wanted} (it has ${has})`,
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
    rekor: {
      ignoreTlog: !policy.requireTlog,
      ...(policy.rekorKey !== undefined && { pubKey: policy.rekorKey }),
    },
    ctlog: {
      ignoreSCT: !policy.requireSct,
      ...(policy.ctlogKey !== undefined && { pubKey: policy.ctlogKey }),
      ...(policy.tsaCertChain !== undefined && { tsaCertChain: policy.tsaCertChain }),
    },
  };
  const signer: SignerPolicy = policy.signer;
  switch (signer.kind) {
    case "keys":
      return {
        kind: "key",
        keys: signer.keys,
        ...(signer.signatureAlgorithm !== undefined && {
          signatureAlgorithm: signer.signatureAlgorithm,
        }),
        ...common,
      };
    case "certificate":
      return {
        kind: "certificate",
        ...(signer.certificate !== undefined && { cert: signer.certificate }),
        ...(signer.chain !== undefined && { certChain: signer.chain }),
        ...common,
      };
    case "keyless":
      return {
        kind: "keyless",
        ...signer.identity,
        ...(signer.roots !== undefined && { roots: signer.roots }),
        ...common,
      };
  }
}

function verified(
  source: string,
  result: { signer: CosignSigner; tlog: unknown; timestamp: unknown; signedAt: Date },
  policy: PreparedCosignPolicy,
): VerifiedSignature {
  const signature: VerifiedSignature = {
    format: "cosign",
    source,
    signer: signerOf(result.signer, policy),
  };
  // Without a log entry or a TSA's timestamp, the verifier's signing time is only the clock's.
  if (result.tlog !== undefined || result.timestamp !== undefined) {
    signature.signedAt = result.signedAt.toISOString();
  }
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
