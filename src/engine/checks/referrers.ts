/**
 * Signature artifacts stored as OCI 1.1 referrers of the image: Sigstore
 * bundles and Notary signatures. Read through the referrers API or, on
 * registries without it, the `sha256-<hex>` tag; one unfiltered listing per
 * image serves every format through the request's store.
 */
import type { Descriptor, ImageManifest } from "../../oci/content/manifest.ts";
import { isImageIndex } from "../../oci/content/manifest.ts";
import { formatRepository, type Repository } from "../../oci/reference.ts";
import type { Candidate } from "./candidates.ts";
import { checkError } from "./errors.ts";
import { signalOf } from "./image.ts";
import { type CheckContext, DEFAULT_CHECK_LIMITS, type ImageTarget } from "./types.ts";

export interface ReferrerArtifact {
  /** The referrer manifest's descriptor (digest, annotations from the listing). */
  descriptor: Readonly<Descriptor>;
  manifest: ImageManifest;
}

const OCI_EMPTY = "application/vnd.oci.empty.v1+json";

/**
 * The referrers of `target` stored in `repository` whose artifact type
 * `accepts`. An entry without an artifact type, or with the empty type some
 * writers put there, is fetched to read the manifest's own.
 */
export async function referrerCandidates(
  ctx: CheckContext,
  target: ImageTarget,
  repository: Repository,
  accepts: (artifactType: string) => boolean,
): Promise<Candidate<ReferrerArtifact>[]> {
  const { descriptors } = await ctx.client.getReferrers(repository, target.digest, signalOf(ctx));
  const candidates = descriptors.filter(
    (d) => isUnknown(d.artifactType) || accepts(d.artifactType ?? ""),
  );
  const max = ctx.limits?.maxArtifacts ?? DEFAULT_CHECK_LIMITS.maxArtifacts;
  if (candidates.length > max) {
    throw checkError(
      "TOO_MANY_ARTIFACTS",
      `${target.name} has ${candidates.length} referrers that may be signatures, more than the ${max} examined`,
    );
  }
  const repo = formatRepository(repository);
  return candidates.map((descriptor) => ({
    source: `${repo}@${descriptor.digest}`,
    load: () => loadReferrer(ctx, target, repository, descriptor, accepts),
  }));
}

async function loadReferrer(
  ctx: CheckContext,
  target: ImageTarget,
  repository: Repository,
  descriptor: Readonly<Descriptor>,
  accepts: (artifactType: string) => boolean,
): Promise<ReferrerArtifact | undefined> {
  const ref = { ...repository, tag: undefined, digest: descriptor.digest };
  const { manifest } = await ctx.client.getManifest(ref, signalOf(ctx));
  if (isImageIndex(manifest)) {
    if (isUnknown(descriptor.artifactType)) return undefined;
    throw checkError("ARTIFACT_INVALID", "the referrer is an index, not an image manifest");
  }
  if (isUnknown(descriptor.artifactType)) {
    const own = manifest.artifactType ?? manifest.config.mediaType;
    if (isUnknown(own) || !accepts(own)) return undefined;
  }
  if (manifest.subject?.digest !== target.digest) {
    throw checkError(
      "ARTIFACT_INVALID",
      `the referrer's subject is ${manifest.subject?.digest ?? "missing"}, not ${target.digest}`,
    );
  }
  return { descriptor, manifest };
}

function isUnknown(artifactType: string | undefined): boolean {
  return artifactType === undefined || artifactType === "" || artifactType === OCI_EMPTY;
}
