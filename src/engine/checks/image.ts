import { formatReference, type ImageReference } from "../../oci/reference.ts";
import type { CheckContext, ImageTarget } from "./types.ts";

/**
 * The image `ref` names, pinned to the digest of what it names: the manifest,
 * or for a multi-platform image the index, which is what cosign and notation
 * sign. A tag is resolved by HEAD, which registry pull limits do not count.
 */
export async function resolveImage(ctx: CheckContext, ref: ImageReference): Promise<ImageTarget> {
  const { digest, mediaType, size } = await ctx.client.resolve(ref, signalOf(ctx));
  return {
    name: formatReference(ref),
    repository: { registry: ref.registry, repository: ref.repository },
    digest,
    mediaType,
    size,
  };
}

/** The call options carrying the context's signal, when it has one. */
export function signalOf(ctx: CheckContext): { signal?: AbortSignal } {
  return ctx.signal === undefined ? {} : { signal: ctx.signal };
}

/** `registry/repo:tag@sha256:…`: the name as given, pinned to the digest checked. */
export function describeTarget(target: ImageTarget): string {
  return target.name.includes("@") ? target.name : `${target.name}@${target.digest}`;
}
