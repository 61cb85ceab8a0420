import { isDigest } from "./content/digest.ts";
import {
  type Descriptor,
  isManifestProblem,
  type Manifest,
  parseManifest,
} from "./content/manifest.ts";
import {
  bareMediaType,
  isSchema1Type,
  MANIFEST_ACCEPT,
  MANIFEST_TYPES,
} from "./content/media-types.ts";
import { type Operation, opError } from "./operation.ts";
import type { ImageReference } from "./reference.ts";
import { flightKey, pull, repositoryUrl, type Session } from "./session.ts";
import { checkDigest, contentLength, readDigested } from "./transport/body.ts";

/** A manifest as fetched: its descriptor, its exact bytes and its parsed (frozen) JSON. */
export interface FetchedManifest {
  readonly descriptor: Readonly<Descriptor>;
  readonly bytes: Uint8Array;
  readonly manifest: Manifest;
}

/**
 * The descriptor of `ref`'s manifest from a HEAD, which registries do not
 * count against pull limits. Only when the HEAD carries no usable
 * `Docker-Content-Digest` is the manifest fetched and digested.
 */
export function resolveManifest(
  session: Session,
  ref: ImageReference,
  op: Operation,
): Promise<Readonly<Descriptor>> {
  const url = manifestUrl(session, ref, op);
  return session.flights.run(flightKey("resolve", "HEAD", url, ref), op, async () => {
    const res = await pull(session, ref, { method: "HEAD", url, accept: MANIFEST_ACCEPT }, op);
    await res.body?.cancel().catch(() => {});
    const digest = res.headers.get("docker-content-digest")?.trim();
    const mediaType = bareMediaType(res.headers.get("content-type"));
    const size = contentLength(res);
    if (mediaType !== undefined && isSchema1Type(mediaType)) throw schema1Refusal(op);
    if (
      isDigest(digest) &&
      mediaType !== undefined &&
      MANIFEST_TYPES.includes(mediaType) &&
      size !== undefined
    ) {
      if (ref.digest !== undefined)
        checkDigest(op, "the registry's Docker-Content-Digest", ref.digest, digest);
      return Object.freeze({ mediaType, digest, size });
    }
    session.deps.logger.debug("HEAD gave no usable digest; fetching the manifest", {
      reference: op.reference,
    });
    return (await fetchManifest(session, ref, op)).descriptor;
  });
}

/**
 * The manifest of `ref` (by digest when it has one, else by tag), digest-checked
 * as it streams in: against the requested digest, and against the registry's
 * `Docker-Content-Digest` when it sends one. The result is shared: do not mutate.
 */
export function fetchManifest(
  session: Session,
  ref: ImageReference,
  op: Operation,
): Promise<FetchedManifest> {
  const url = manifestUrl(session, ref, op);
  return session.flights.run(flightKey("manifest", "GET", url, ref), op, async () => {
    const res = await pull(session, ref, { method: "GET", url, accept: MANIFEST_ACCEPT }, op);
    const contentType = bareMediaType(res.headers.get("content-type"));
    if (contentType !== undefined && isSchema1Type(contentType)) {
      await res.body?.cancel().catch(() => {});
      throw schema1Refusal(op);
    }
    const limits = { what: "manifest", maxBytes: session.limits.manifestBytes };
    const { bytes, digest } = await readDigested(res, op, limits, session.deps.sha256);
    if (ref.digest !== undefined) checkDigest(op, "manifest", ref.digest, digest);
    const announced = res.headers.get("docker-content-digest")?.trim();
    if (announced) checkDigest(op, "manifest (Docker-Content-Digest)", announced, digest);
    const parsed = parseManifest(bytes, contentType);
    if (isManifestProblem(parsed)) {
      throw opError(op, parsed.code, `manifest ${digest}: ${parsed.detail}`);
    }
    const descriptor = Object.freeze({
      mediaType: parsed.mediaType,
      digest,
      size: bytes.byteLength,
    });
    const fetched = Object.freeze({ descriptor, bytes, manifest: parsed.manifest });
    if (ref.digest === undefined) {
      // The same bytes answer a later fetch by digest in this store.
      const byDigest = { ...ref, digest };
      session.flights.seed(
        flightKey("manifest", "GET", manifestUrl(session, byDigest, op), byDigest),
        fetched,
      );
    }
    return fetched;
  });
}

function manifestUrl(session: Session, ref: ImageReference, op: Operation): URL {
  const target = ref.digest ?? ref.tag;
  if (target === undefined) {
    throw opError(op, "REFERENCE_INVALID", "the reference has neither tag nor digest");
  }
  if (ref.digest !== undefined && !ref.digest.startsWith("sha256:")) {
    throw opError(
      op,
      "DIGEST_UNSUPPORTED",
      `${ref.digest} cannot be verified: only sha256 digests are`,
    );
  }
  return repositoryUrl(session, ref, `manifests/${target}`);
}

function schema1Refusal(op: Operation): Error {
  const detail = "the registry serves a Docker schema 1 manifest, which is not supported";
  return opError(op, "MANIFEST_UNSUPPORTED", detail);
}
