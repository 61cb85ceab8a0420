/**
 * The Notary Project payload (`application/vnd.cncf.notary.payload.v1+json`):
 * `{"targetArtifact": <OCI descriptor>}`. Parsed only after the signature over
 * it has verified; the signed descriptor must then be the image's own.
 */
import { notaryError } from "./errors.ts";

/** The descriptor a signature is about. */
export interface NotaryTarget {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

/** The signed target descriptor with what else it carries. */
export interface SignedTarget extends NotaryTarget {
  readonly artifactType?: string;
  /** User-defined metadata the signer added (`notation sign --user-metadata`). */
  readonly annotations?: Readonly<Record<string, string>>;
}

const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function parsePayload(bytes: Uint8Array): SignedTarget {
  let payload: unknown;
  try {
    payload = JSON.parse(utf8.decode(bytes));
  } catch (err) {
    throw notaryError("PAYLOAD_INVALID", "the signed payload is not UTF-8 JSON", err);
  }
  const target = isObject(payload) ? payload.targetArtifact : undefined;
  if (!isObject(target)) {
    throw notaryError("PAYLOAD_INVALID", "the signed payload has no targetArtifact descriptor");
  }
  const problems: string[] = [];
  const { mediaType, digest, size, artifactType, annotations } = target;
  if (typeof mediaType !== "string" || mediaType === "") problems.push("mediaType is missing");
  if (typeof digest !== "string" || !DIGEST.test(digest)) problems.push("digest is not a digest");
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) {
    problems.push("size is not a non-negative integer");
  }
  if (artifactType !== undefined && typeof artifactType !== "string") {
    problems.push("artifactType is not a string");
  }
  const annotationsValid =
    annotations === undefined ||
    (isObject(annotations) && Object.values(annotations).every((v) => typeof v === "string"));
  if (!annotationsValid) problems.push("annotations is not a map of strings");
  if (problems.length > 0) {
    throw notaryError("PAYLOAD_INVALID", `the signed targetArtifact: ${problems.join("; ")}`);
  }
  return {
    mediaType: mediaType as string,
    digest: digest as string,
    size: size as number,
    ...(artifactType === undefined ? {} : { artifactType: artifactType as string }),
    ...(annotations === undefined
      ? {}
      : { annotations: annotations as Readonly<Record<string, string>> }),
  };
}

/** The signed descriptor must name the image: same digest, size and media type. */
export function checkTarget(signed: NotaryTarget, image: NotaryTarget): void {
  const differences = (["digest", "size", "mediaType"] as const)
    .filter((field) => signed[field] !== image[field])
    .map(
      (field) => `${field} ${JSON.stringify(signed[field])} is not ${JSON.stringify(image[field])}`,
    );
  if (differences.length > 0) {
    throw notaryError(
      "TARGET_MISMATCH",
      `the signature is for another artifact: ${differences.join(", ")}`,
    );
  }
}
