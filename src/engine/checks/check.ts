/**
 * The leaf checks: does `target` carry a signature (or an attestation of one
 * predicate type) that `policy` accepts? Every format that can hold it is
 * looked up and every artifact examined at once, all through the context's
 * client and so through the request's store.
 */

import { checkError } from "./errors.ts";
import type { FormatRun } from "./format.ts";
import { prepareBundleCheck } from "./formats/bundles.ts";
import { prepareCosignCheck } from "./formats/cosign.ts";
import { prepareNotaryCheck } from "./formats/notary.ts";
import { describeTarget } from "./image.ts";
import { decide } from "./outcomes.ts";
import {
  type CheckContext,
  type CheckLocation,
  type Evidence,
  type ImageTarget,
  SIGNATURE_FORMATS,
  type SignatureFormat,
  type SignerPolicy,
  type TrustPolicy,
  type VerifiedAttestation,
  type VerifiedSignature,
} from "./types.ts";

interface FormatSupport {
  /** Prepares the policy for this format, or throws `POLICY_INVALID`. */
  prepare(policy: TrustPolicy, location: CheckLocation): FormatRun;
  /** Signer kinds the format can be verified with. */
  signers: readonly SignerPolicy["kind"][];
  attestations: boolean;
  /** How messages name it. */
  label: string;
}

const FORMATS: Readonly<Record<SignatureFormat, FormatSupport>> = {
  cosign: {
    prepare: prepareCosignCheck,
    signers: ["keys", "certificate", "keyless"],
    attestations: true,
    label: "cosign",
  },
  bundle: {
    prepare: prepareBundleCheck,
    signers: ["keys", "keyless"],
    attestations: true,
    label: "Sigstore bundle",
  },
  notary: {
    prepare: prepareNotaryCheck,
    signers: ["certificate"],
    attestations: true,
    label: "Notary",
  },
};

/** Signatures of `target` that `policy` accepts; throws when there is none. */
export function checkSignatures(
  ctx: CheckContext,
  target: ImageTarget,
  policy: TrustPolicy,
  location: CheckLocation = {},
): Promise<VerifiedSignature[]> {
  return check(ctx, target, policy, location, { kind: "signature" });
}

/** Attestations of `predicateType` about `target` that `policy` accepts; throws when there is none. */
export async function checkAttestations(
  ctx: CheckContext,
  target: ImageTarget,
  policy: TrustPolicy,
  predicateType: string,
  location: CheckLocation = {},
): Promise<VerifiedAttestation[]> {
  const evidence: Evidence = { kind: "attestation", predicateType };
  const results = await check(ctx, target, policy, location, evidence);
  return results.filter((r): r is VerifiedAttestation => "statement" in r);
}

/**
 * The formats to look in: those asked for, each of which must suit the
 * signer and the evidence, or by default every one that does.
 */
export function formatsFor(
  signer: SignerPolicy["kind"],
  evidence: Evidence["kind"],
  requested?: readonly SignatureFormat[],
): SignatureFormat[] {
  const suits = (support: FormatSupport): boolean =>
    support.signers.includes(signer) && (evidence === "signature" || support.attestations);
  if (requested === undefined) {
    return SIGNATURE_FORMATS.filter((format) => suits(FORMATS[format]));
  }
  for (const format of requested) {
    if (!SIGNATURE_FORMATS.includes(format)) {
      throw checkError("POLICY_INVALID", `unknown signature format ${JSON.stringify(format)}`);
    }
    if (!suits(FORMATS[format])) {
      throw checkError(
        "POLICY_INVALID",
        `${FORMATS[format].label} ${evidence}s cannot be verified with a ${signer} policy`,
      );
    }
  }
  return [...new Set(requested)];
}

async function check(
  ctx: CheckContext,
  target: ImageTarget,
  policy: TrustPolicy,
  location: CheckLocation,
  evidence: Evidence,
): Promise<VerifiedSignature[]> {
  const formats = formatsFor(policy.signer.kind, evidence.kind, location.formats);
  // Every format's policy is prepared (and so checked) before the registry is asked anything.
  const runs = formats.map((format) => FORMATS[format].prepare(policy, location));
  const repository = location.signatureRepository ?? target.repository;
  const outcomes = await Promise.all(runs.map((run) => run(ctx, target, repository, evidence)));
  const image = describeTarget(target);
  const where = formats.map((f) => FORMATS[f].label).join(", ");
  const noun =
    evidence.kind === "signature" ? "signature" : `${evidence.predicateType} attestation`;
  const missing =
    evidence.kind === "signature"
      ? {
          code: "NO_SIGNATURES" as const,
          message: `no signatures found for ${image} (looked for: ${where})`,
        }
      : {
          code: "NO_ATTESTATIONS" as const,
          message: `no attestations of type ${evidence.predicateType} found for ${image} (looked for: ${where})`,
        };
  return decide(outcomes.flat(), { noun, image }, missing);
}
