/**
 * Kyverno's `getImageData(image)` for ImageValidatingPolicy CEL: the image's
 * reference parts, its digest, its manifest (for an index, the linux/amd64
 * manifest, the index itself as `imageIndex`, as go-containerregistry
 * picks) and its config. Fetched by the digest the checks verified, through
 * the request's store, after the checks and before the validations (CEL is
 * synchronous), and only for policies whose expressions call it.
 */
import type { ExtractedImage } from "../admission/index.ts";
import {
  DEFAULT_PLATFORM,
  formatRepository,
  isImageIndex,
  type Manifest,
  selectPlatform,
} from "../oci/index.ts";
import { type CheckContext, checkError, signalOf } from "./checks/index.ts";

/** A config larger than this is not an image's. */
const MAX_CONFIG_BYTES = 1024 * 1024;

export async function fetchImageData(
  ctx: CheckContext,
  image: ExtractedImage,
  digest: string,
): Promise<Record<string, unknown>> {
  const ref = { ...image.reference, digest };
  const { tag, registry, repository } = image.reference;
  const name = formatRepository(ref);
  const signal = signalOf(ctx);
  const top = await ctx.client.getManifest(ref, signal);
  let manifest: Manifest = top.manifest;
  let imageIndex: Manifest | undefined;
  if (isImageIndex(manifest)) {
    imageIndex = manifest;
    const chosen = selectPlatform(manifest, DEFAULT_PLATFORM, `${name}@${digest}`);
    manifest = (await ctx.client.getManifest({ ...ref, digest: chosen.digest }, signal)).manifest;
  }
  if (isImageIndex(manifest)) {
    throw checkError("ARTIFACT_INVALID", `${name}@${digest}: an index inside an index`);
  }
  const bytes = await ctx.client.getBlob(ref, manifest.config, {
    ...signal,
    maxBytes: MAX_CONFIG_BYTES,
  });
  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw checkError("ARTIFACT_INVALID", `the config of ${name}@${digest} is not JSON`);
  }
  const pinnedByDigest = image.reference.digest !== undefined;
  return {
    image: image.image,
    resolvedImage:
      tag !== undefined && !pinnedByDigest ? `${name}:${tag}@${digest}` : `${name}@${digest}`,
    registry,
    repository,
    identifier: pinnedByDigest ? image.reference.digest : tag,
    ...(!pinnedByDigest && tag !== undefined && { tag }),
    digest,
    ...(imageIndex !== undefined && { imageIndex }),
    manifest,
    config,
  };
}

/** What `fetchImageData` gave for each image of a plan, or why it could not. */
export type ImageDataByImage = Map<string, Record<string, unknown> | Error>;

/**
 * The data of each image, by the digest its checks resolved (`digests`),
 * else resolved here; a failure is kept for the expression that asks.
 */
export async function fetchAllImageData(
  ctx: CheckContext,
  images: readonly ExtractedImage[],
  digests: readonly (string | undefined)[],
): Promise<ImageDataByImage> {
  const found: ImageDataByImage = new Map();
  await Promise.all(
    images.map(async (image, i) => {
      try {
        const digest =
          digests[i] ?? (await ctx.client.resolve(image.reference, signalOf(ctx))).digest;
        found.set(image.image, await fetchImageData(ctx, image, digest));
      } catch (error) {
        found.set(image.image, error instanceof Error ? error : new Error(String(error)));
      }
    }),
  );
  return found;
}
