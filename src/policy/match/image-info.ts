import { normaliseRegistry } from "../../oci/reference.ts";
import { policyError } from "../errors.ts";
import { wildcardMatch } from "./wildcard.ts";

/**
 * Image references the way Kyverno reads them (pkg/utils/image): a reference
 * without a registry gets `docker.io/` (but no `library/`), a missing tag is
 * `latest`, and the string that `imageReferences` globs are matched against
 * is `registry/path:tag`, or `registry/path@digest` when a digest is given.
 * The registry is normalised as the container runtime dials it (lower case,
 * no `:443`, `index.docker.io` and `registry-1.docker.io` are `docker.io`),
 * so no spelling of a host escapes a glob.
 */
export interface KyvernoImageInfo {
  readonly registry: string;
  /** Repository path, e.g. `kyverno/kyverno`. */
  readonly path: string;
  /** Last path component. */
  readonly name: string;
  readonly tag: string;
  readonly digest: string;
  /** The normalised reference imageReferences are matched against. */
  readonly reference: string;
  readonly referenceWithTag: string;
}

const DEFAULT_REGISTRY = "docker.io";
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const DOMAIN_PART = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const REFERENCE = new RegExp(
  `^(${DOMAIN})/(${COMPONENT}(?:/${COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$`,
);
const DIGEST_HEX: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** Whether the first component of a reference names a registry, as distribution/reference reads it. */
const isRegistryName = (first: string): boolean =>
  /[.:]/.test(first) || first === "localhost" || first.toLowerCase() !== first;

function withDefaultRegistry(image: string): string {
  const slash = image.indexOf("/");
  const first = slash < 0 ? "" : image.slice(0, slash);
  return slash < 0 || !isRegistryName(first) ? `${DEFAULT_REGISTRY}/${image}` : image;
}

const MAX_NORMALISED_PATTERNS = 4096;
const normalisedPatterns = new Map<string, string>();

/**
 * `pattern` with a literal registry normalised as image registries are, so a
 * glob written `index.docker.io/*`, `ghcr.io:443/*` or `GHCR.io/*` still meets
 * the images it names (they are normalised too, and an entry that matched
 * nothing would admit them unverified). A registry part holding `*` or `?`
 * is left as written.
 */
function normalisedPattern(pattern: string): string {
  const known = normalisedPatterns.get(pattern);
  if (known !== undefined) return known;
  const slash = pattern.indexOf("/");
  const host = slash < 0 ? "" : pattern.slice(0, slash);
  const literal = host !== "" && !/[*?]/.test(host) && isRegistryName(host);
  const result = literal ? `${normaliseRegistry(host)}${pattern.slice(slash)}` : pattern;
  if (normalisedPatterns.size >= MAX_NORMALISED_PATTERNS) normalisedPatterns.clear();
  normalisedPatterns.set(pattern, result);
  return result;
}

/** Kyverno's ImageInfo of `image`; throws `FIELD_INVALID` for a reference Kyverno cannot parse. */
export function kyvernoImageInfo(image: string): KyvernoImageInfo {
  const full = withDefaultRegistry(image);
  const m = full.length <= 1024 ? REFERENCE.exec(full) : null;
  const [, written = "", path = "", tagText, digest = ""] = m ?? [];
  const registry = normaliseRegistry(written);
  const [algorithm = "", hex = ""] = digest.split(":");
  const badDigest = digest !== "" && DIGEST_HEX[algorithm] !== hex.length;
  if (m === null || badDigest || registry.length + 1 + path.length > 255) {
    throw policyError(
      "FIELD_INVALID",
      `bad image: "${image.slice(0, 200)}" is not a valid image reference`,
    );
  }
  const tag = tagText ?? (digest === "" ? "latest" : "");
  const base = `${registry}/${path}`;
  return {
    registry,
    path,
    name: path.slice(path.lastIndexOf("/") + 1),
    tag,
    digest,
    reference: digest === "" ? `${base}:${tag}` : `${base}@${digest}`,
    referenceWithTag: `${base}:${tag}`,
  };
}

/**
 * The names globs are matched against: Kyverno's reference, and for a Docker
 * Hub official image also its other spelling (`docker.io/nginx:latest` and
 * `docker.io/library/nginx:latest`), so that `nginx` and `library/nginx`,
 * which the runtime pulls alike, meet the same globs.
 */
export function referenceNames(image: KyvernoImageInfo): string[] {
  if (image.registry !== DEFAULT_REGISTRY) return [image.reference];
  const parts = image.path.split("/");
  const other =
    parts.length === 1
      ? `library/${image.path}`
      : parts[0] === "library" && parts.length === 2
        ? parts[1]
        : undefined;
  if (other === undefined) return [image.reference];
  const suffix = image.reference.slice(DEFAULT_REGISTRY.length + 1 + image.path.length);
  return [image.reference, `${DEFAULT_REGISTRY}/${other}${suffix}`];
}

/** True when one of `patterns` (Kyverno wildcards) matches one of the names of `image`. */
export function matchesImageReferences(
  patterns: readonly string[],
  image: KyvernoImageInfo,
): boolean {
  const names = referenceNames(image);
  return patterns.some((pattern) => {
    const glob = normalisedPattern(pattern);
    return names.some((name) => wildcardMatch(glob, name));
  });
}

/**
 * Whether a verifyImages entry applies to `image`: `verify` when an
 * `imageReferences` glob matches and no `skipImageReferences` glob does,
 * `skip` when a skip glob matches, `no-match` otherwise.
 */
export function imageVerificationApplies(
  verification: {
    readonly imageReferences: readonly string[];
    readonly skipImageReferences: readonly string[];
  },
  image: KyvernoImageInfo,
): "verify" | "skip" | "no-match" {
  if (!matchesImageReferences(verification.imageReferences, image)) return "no-match";
  return matchesImageReferences(verification.skipImageReferences, image) ? "skip" : "verify";
}

/** The `images.<group>.<name>` entry Kyverno adds for an image (empty fields are left out, as Kyverno's JSON does). */
export function imageVariable(
  image: KyvernoImageInfo,
  jsonPointer?: string,
): Record<string, string> {
  const entry: Record<string, string> = { name: image.name, path: image.path };
  for (const key of ["registry", "tag", "digest", "reference", "referenceWithTag"] as const) {
    if (image[key] !== "") entry[key] = image[key];
  }
  if (jsonPointer !== undefined) entry.jsonPointer = jsonPointer;
  return entry;
}
