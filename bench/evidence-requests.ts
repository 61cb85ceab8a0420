/**
 * Which registry requests ask for an image's signatures or attestations,
 * told from the path alone, as the proxy logged it: the cosign `.sig` and
 * `.att` tags, the referrers API and its tag fallback, and the manifests and
 * blobs those tags name. A blob's path carries only its digest, so the
 * digests are read from the registry itself beforehand (not through the
 * proxy, where the reading would be counted).
 */
import type { RegistryInfo } from "../test/support/context.ts";
import { RegistryClient } from "../test/support/registry-client.ts";

const COSIGN_SUFFIXES = [".sig", ".att"] as const;
/** The OCI 1.1 referrers tag fallback: `sha256-<hex>` names a subject's referrers index. */
const REFERRERS_TAG = /^sha256-[0-9a-f]{64}$/;
const V2_PATH = /^\/v2\/.+\/(manifests|blobs|referrers)\/([^/?]+)/;

/** The cosign tag of `suffix` for the image whose manifest is `digest`. */
const cosignTag = (digest: string, suffix: string): string =>
  `${digest.replace(":", "-")}${suffix}`;

/**
 * The digests of the `.sig` and `.att` manifests of `images` and of every
 * blob they name, read straight from `registry`; each image must have both.
 */
export async function evidenceDigests(
  registry: RegistryInfo,
  images: readonly { repository: string; digest: string }[],
): Promise<Set<string>> {
  const client = new RegistryClient(registry, null);
  const digests = new Set<string>();
  for (const { repository, digest } of images) {
    for (const suffix of COSIGN_SUFFIXES) {
      const manifest = await client.getManifest(repository, cosignTag(digest, suffix));
      const { config, layers = [] } = manifest.json as {
        config?: { digest: string };
        layers?: { digest: string }[];
      };
      digests.add(manifest.digest);
      if (config !== undefined) digests.add(config.digest);
      for (const layer of layers) digests.add(layer.digest);
    }
  }
  return digests;
}

/** Whether the request for `path` fetches signature or attestation material. */
export function isEvidenceRequest(path: string, evidence: ReadonlySet<string>): boolean {
  const match = V2_PATH.exec(path);
  if (match === null) return false;
  const [, kind, reference = ""] = match;
  if (kind === "referrers") return true;
  if (evidence.has(reference)) return true;
  return (
    kind === "manifests" &&
    (COSIGN_SUFFIXES.some((suffix) => reference.endsWith(suffix)) || REFERRERS_TAG.test(reference))
  );
}
