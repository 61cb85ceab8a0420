/**
 * cosign's experimental OCI 1.1 storage (`cosign sign` with the OCI 1.1
 * registry mode, Kyverno `cosignOCI11`): the signature manifest, the same
 * simple-signing layers as under the `.sig` tag, is a referrer of the image
 * with artifact type `application/vnd.dev.cosign.artifact.sig.v1+json`.
 * cosign reads attestations from the `.att` tag in that mode too.
 */
import type { Repository } from "../../../oci/reference.ts";
import type { Candidate } from "../candidates.ts";
import { checkError } from "../errors.ts";
import { referrerCandidates } from "../referrers.ts";
import { type CheckContext, DEFAULT_CHECK_LIMITS, type ImageTarget } from "../types.ts";
import { type CosignLayer, cosignLayers } from "./cosign-tag.ts";

export const COSIGN_SIGNATURE_ARTIFACT_TYPE = "application/vnd.dev.cosign.artifact.sig.v1+json";

const isCosignSignatureType = (type: string): boolean => type === COSIGN_SIGNATURE_ARTIFACT_TYPE;

/**
 * The signature layers of every cosign signature referrer of `target` in
 * `repository`. A referrer that cannot be read is one failed candidate, so
 * the others (and the `.sig` tag) still count.
 */
export async function cosignReferrerCandidates(
  ctx: CheckContext,
  target: ImageTarget,
  repository: Repository,
  maxBytes: number,
): Promise<Candidate<CosignLayer>[]> {
  const referrers = await referrerCandidates(ctx, target, repository, isCosignSignatureType);
  const perReferrer = await Promise.all(
    referrers.map(async (referrer): Promise<Candidate<CosignLayer>[]> => {
      try {
        const artifact = await referrer.load();
        if (artifact === undefined) return [];
        const where = `the cosign signature referrer ${referrer.source}`;
        return cosignLayers(ctx, repository, artifact.manifest, { kind: "sig", maxBytes, where });
      } catch (error) {
        return [{ source: referrer.source, load: () => Promise.reject(error) }];
      }
    }),
  );
  const candidates = perReferrer.flat();
  const max = ctx.limits?.maxArtifacts ?? DEFAULT_CHECK_LIMITS.maxArtifacts;
  if (candidates.length > max) {
    throw checkError(
      "TOO_MANY_ARTIFACTS",
      `${target.name} has ${candidates.length} cosign signature layers in referrers, more than the ${max} examined`,
    );
  }
  return candidates;
}
