/**
 * Classic cosign storage: signatures under the tag `sha256-<hex>.sig` and
 * attestations under `sha256-<hex>.att`, in the image's repository or the
 * one signatures are kept in; each layer of that manifest is one signature,
 * its descriptor's annotations carrying the signature and certificates.
 */

import {
  type Descriptor,
  formatRepository,
  type ImageManifest,
  isImageIndex,
  isOciError,
  type Manifest,
  type Repository,
} from "../../../oci/index.ts";
import type { Candidate } from "../candidates.ts";
import { checkError } from "../errors.ts";
import { signalOf } from "../image.ts";
import { type CheckContext, DEFAULT_CHECK_LIMITS, type ImageTarget } from "../types.ts";

export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
export const DSSE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json";

export type CosignTagKind = "sig" | "att";

export interface CosignLayer {
  descriptor: Readonly<Descriptor>;
  /** The layer's bytes: a simple-signing payload or a DSSE envelope. */
  bytes: Uint8Array;
}

const LAYER_TYPES: Readonly<Record<CosignTagKind, string>> = {
  sig: SIMPLE_SIGNING_MEDIA_TYPE,
  att: DSSE_MEDIA_TYPE,
};

/** `sha256-<hex>.sig` for `sha256:<hex>`. */
export function cosignTag(digest: string, kind: CosignTagKind): string {
  return `${digest.replace(":", "-")}.${kind}`;
}

/**
 * The layers of `target`'s `.sig` or `.att` manifest in `repository`, each
 * fetched (digest-checked, at most `maxBytes`) when examined. No such tag
 * means no signatures: an empty list.
 */
export async function cosignLayerCandidates(
  ctx: CheckContext,
  target: ImageTarget,
  repository: Repository,
  kind: CosignTagKind,
  maxBytes: number,
  /** Layers to pass over unfetched, by their descriptor. */
  skip: (layer: Readonly<Descriptor>) => boolean = () => false,
): Promise<Candidate<CosignLayer>[]> {
  const tag = cosignTag(target.digest, kind);
  let manifest: Manifest;
  try {
    ({ manifest } = await ctx.client.getManifest(
      { ...repository, tag, digest: undefined },
      signalOf(ctx),
    ));
  } catch (err) {
    if (isOciError(err, "NOT_FOUND")) return [];
    throw err;
  }
  const where = `${formatRepository(repository)}:${tag}`;
  if (isImageIndex(manifest)) {
    throw checkError("ARTIFACT_INVALID", `${where} is an index, not a signature manifest`);
  }
  return cosignLayers(ctx, repository, manifest, { kind, maxBytes, where, skip });
}

/**
 * The `.sig`/`.att`-kind layers of a cosign signature manifest (a tagged one,
 * or an OCI 1.1 referrer), each fetched when examined; `where` names the
 * manifest in messages.
 */
export function cosignLayers(
  ctx: CheckContext,
  repository: Repository,
  manifest: ImageManifest,
  options: {
    kind: CosignTagKind;
    maxBytes: number;
    where: string;
    skip?: (layer: Readonly<Descriptor>) => boolean;
  },
): Candidate<CosignLayer>[] {
  const { kind, maxBytes, where, skip = () => false } = options;
  const layers = manifest.layers.filter((layer) => layer.mediaType === LAYER_TYPES[kind]);
  const max = ctx.limits?.maxArtifacts ?? DEFAULT_CHECK_LIMITS.maxArtifacts;
  if (layers.length > max) {
    throw checkError(
      "TOO_MANY_ARTIFACTS",
      `${where} has ${layers.length} layers, more than the ${max} examined`,
    );
  }
  const repo = formatRepository(repository);
  return layers
    .filter((layer) => !skip(layer))
    .map((descriptor) => ({
      source: `${repo}@${descriptor.digest}`,
      load: async () => ({
        descriptor,
        bytes: await ctx.client.getBlob(repository, descriptor, { ...signalOf(ctx), maxBytes }),
      }),
    }));
}
