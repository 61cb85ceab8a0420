import {
  type Descriptor,
  isImageIndex,
  isManifestProblem,
  parseManifest,
} from "./content/manifest.ts";
import { bareMediaType, OCI_INDEX } from "./content/media-types.ts";
import { isOciError } from "./errors.ts";
import { fetchManifest } from "./fetch-manifest.ts";
import { type Operation, opError } from "./operation.ts";
import { collectPages, nextLink, type Page } from "./pages.ts";
import type { Repository } from "./reference.ts";
import { flightKey, pull, repositoryUrl, type Session } from "./session.ts";
import { readBody } from "./transport/body.ts";

/**
 * The manifests that name a subject digest as their `subject`: from the OCI
 * 1.1 referrers API, or, when the registry lacks it (404, or an answer that
 * is not an image index), from the tag schema: an index tagged `sha256-<hex>`.
 */

export interface Referrers {
  /** `api`: the registry's referrers API; `tag-fallback`: the `<alg>-<hex>` tag. */
  source: "api" | "tag-fallback";
  descriptors: Readonly<Descriptor>[];
}

interface ApiPage extends Page<Readonly<Descriptor>> {
  readonly supported: boolean;
}

const UNSUPPORTED: ApiPage = Object.freeze({ supported: false, items: [], next: undefined });

export async function getReferrers(
  session: Session,
  repo: Repository,
  digest: string,
  artifactType: string | undefined,
  op: Operation,
): Promise<Referrers> {
  const loadPage = (url: URL): Promise<ApiPage> =>
    loadApiPage(session, repo, url, artifactType, op);
  const url = repositoryUrl(session, repo, `referrers/${digest}`);
  if (artifactType !== undefined) url.searchParams.set("artifactType", artifactType);
  const first = await loadPage(url);
  if (!first.supported) {
    session.deps.logger.debug("no referrers API; reading the fallback tag", {
      reference: op.reference,
    });
    return {
      source: "tag-fallback",
      descriptors: await fromFallbackTag(session, repo, digest, artifactType, op),
    };
  }
  const { maxPages, maxReferrers } = session.limits;
  const bounds = { what: "referrers", maxPages, maxItems: maxReferrers };
  const later = async (next: URL): Promise<ApiPage> => {
    const page = await loadPage(next);
    if (!page.supported) {
      throw opError(op, "RESPONSE_INVALID", `referrers page ${next.href} is not an image index`);
    }
    return page;
  };
  return { source: "api", descriptors: await collectPages(first, later, op, bounds) };
}

/** The tag of the referrers tag schema: `<alg>-<hex>`, each part truncated as the spec says. */
export function fallbackTag(digest: string): string {
  const [algorithm = "", encoded = ""] = digest.split(":", 2);
  return `${algorithm.slice(0, 32)}-${encoded.slice(0, 64)}`;
}

function loadApiPage(
  session: Session,
  repo: Repository,
  url: URL,
  artifactType: string | undefined,
  op: Operation,
): Promise<ApiPage> {
  return session.flights.run(flightKey("referrers", "GET", url, repo), op, async () => {
    const res = await pull(
      session,
      repo,
      { method: "GET", url, accept: OCI_INDEX },
      op,
      (s) => s === 404,
    );
    const contentType = bareMediaType(res.headers.get("content-type"));
    if (res.status === 404 || contentType !== OCI_INDEX) {
      await res.body?.cancel().catch(() => {});
      return UNSUPPORTED;
    }
    const bytes = await readBody(res, op, {
      what: "referrers",
      maxBytes: session.limits.manifestBytes,
    });
    const parsed = parseManifest(bytes, contentType);
    if (isManifestProblem(parsed) || !isImageIndex(parsed.manifest)) {
      const detail = isManifestProblem(parsed) ? parsed.detail : "not an image index";
      throw opError(op, "RESPONSE_INVALID", `referrers response: ${detail}`);
    }
    // Registries that filtered by artifactType say so; otherwise filter here.
    const applied = (res.headers.get("oci-filters-applied") ?? "").split(",").map((f) => f.trim());
    const items = applied.includes("artifactType")
      ? parsed.manifest.manifests
      : matching(parsed.manifest.manifests, artifactType);
    return Object.freeze({ supported: true, items, next: nextLink(res.headers.get("link"), url) });
  });
}

async function fromFallbackTag(
  session: Session,
  repo: Repository,
  digest: string,
  artifactType: string | undefined,
  op: Operation,
): Promise<Readonly<Descriptor>[]> {
  const tag = fallbackTag(digest);
  const ref = { registry: repo.registry, repository: repo.repository, tag, digest: undefined };
  let fetched: Awaited<ReturnType<typeof fetchManifest>>;
  try {
    fetched = await fetchManifest(session, ref, op);
  } catch (err) {
    if (isOciError(err, "NOT_FOUND")) return [];
    throw err;
  }
  const { descriptor, manifest } = fetched;
  if (descriptor.mediaType !== OCI_INDEX || !isImageIndex(manifest)) {
    throw opError(
      op,
      "MANIFEST_INVALID",
      `the fallback tag ${tag} holds ${descriptor.mediaType}, not an OCI image index`,
    );
  }
  if (manifest.manifests.length > session.limits.maxReferrers) {
    throw opError(op, "TOO_LARGE", `referrers: more than ${session.limits.maxReferrers} entries`);
  }
  return matching(manifest.manifests, artifactType);
}

function matching(
  descriptors: readonly Descriptor[],
  artifactType: string | undefined,
): Descriptor[] {
  return artifactType === undefined
    ? [...descriptors]
    : descriptors.filter((d) => d.artifactType === artifactType);
}
