/**
 * One image against one trust policy, as the CLI asks it: resolve the
 * reference, then check the signature and every attestation type at once.
 * The answer is a verdict; only a question that could not be answered (the
 * registry unreachable, the policy unusable) is thrown.
 */
import { isImgverifyError } from "../../errors.ts";
import { isOciError } from "../../oci/errors.ts";
import type { ImageReference } from "../../oci/reference.ts";
import { formatReference } from "../../oci/reference.ts";
import { checkAttestations, checkSignatures } from "./check.ts";
import { checkError } from "./errors.ts";
import { resolveImage } from "./image.ts";
import { isEnvironmentFault, isPolicyFault } from "./outcomes.ts";
import type {
  CheckContext,
  CheckLocation,
  ImageTarget,
  TrustPolicy,
  VerifiedAttestation,
  VerifiedSignature,
} from "./types.ts";

export interface ImageRequest extends CheckLocation {
  policy: TrustPolicy;
  /** Require a verified signature. */
  signature: boolean;
  /** Predicate types of which each needs a verified attestation. */
  attestations: readonly string[];
}

export interface ImageVerdict {
  verified: boolean;
  /** The reference as given, in canonical form. */
  image: string;
  /** The digest checked; absent when the reference did not resolve. */
  digest?: string;
  signatures: VerifiedSignature[];
  attestations: VerifiedAttestation[];
  /** Why not, when not verified: the first unmet requirement. */
  error?: { code: string; message: string };
}

export async function verifyImage(
  ctx: CheckContext,
  ref: ImageReference,
  request: ImageRequest,
): Promise<ImageVerdict> {
  const image = formatReference(ref);
  if (!request.signature && request.attestations.length === 0) {
    throw checkError(
      "POLICY_INVALID",
      `nothing to verify for ${image}: no signature, no attestation`,
    );
  }
  let target: ImageTarget;
  try {
    target = await resolveImage(ctx, ref);
  } catch (err) {
    if (!isOciError(err, "NOT_FOUND")) throw err;
    return { verified: false, image, signatures: [], attestations: [], error: describe(err) };
  }
  const { policy } = request;
  const location: CheckLocation = {
    ...(request.signatureRepository && { signatureRepository: request.signatureRepository }),
    ...(request.formats && { formats: request.formats }),
    ...(request.cosignOCI11 === true && { cosignOCI11: true }),
  };
  const [signatures, ...attestations] = await Promise.allSettled([
    request.signature ? checkSignatures(ctx, target, policy, location) : Promise.resolve([]),
    ...request.attestations.map((type) => checkAttestations(ctx, target, policy, type, location)),
  ]);
  const settled = [signatures, ...attestations] as PromiseSettledResult<VerifiedSignature[]>[];
  const failures = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
  // An unusable policy, or a registry that could not be asked while nothing else said no, has no answer.
  const unanswerable =
    failures.find(isPolicyFault) ??
    (failures.every((f) => isEnvironmentFault(f)) ? failures[0] : undefined);
  if (unanswerable !== undefined) throw unanswerable;
  const verdict: ImageVerdict = {
    verified: failures.length === 0,
    image,
    digest: target.digest,
    signatures: fulfilled(signatures),
    attestations: attestations.flatMap((a) => fulfilled(a) as VerifiedAttestation[]),
  };
  const firstNo = failures.find((f) => !isEnvironmentFault(f));
  if (firstNo !== undefined) verdict.error = describe(firstNo);
  return verdict;
}

function fulfilled<T>(result: PromiseSettledResult<T[]> | undefined): T[] {
  return result?.status === "fulfilled" ? result.value : [];
}

function describe(err: unknown): { code: string; message: string } {
  if (isImgverifyError(err)) return { code: err.code, message: err.message };
  return { code: "INTERNAL", message: err instanceof Error ? err.message : String(err) };
}
