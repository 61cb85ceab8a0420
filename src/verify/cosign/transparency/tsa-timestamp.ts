/**
 * The RFC 3161 timestamp cosign attaches to a layer when it signs with
 * `--timestamp-server-url` (`dev.sigstore.cosign/rfc3161timestamp`): a TSA's
 * response over the raw signature, or over the envelope for an attestation,
 * verified with the timestamp authority the policy trusts.
 */
import {
  type TimestampTrust,
  tokenOfResponse,
  type VerifiedTimestamp,
  verifyTimestamp,
} from "../../timestamp/index.ts";
import { decodeBase64, isObject, parseJson } from "../encoding.ts";
import { cosignError } from "../errors.ts";
import { annotation, type LayerAnnotations, RFC3161_TIMESTAMP_ANNOTATION } from "../layer.ts";

/** A TSA response is a few KiB; the annotation's JSON and base64 stay far below this. */
const MAX_ANNOTATION_CHARS = 256 * 1024;

/**
 * The layer's timestamp, verified; undefined when the layer carries none
 * (cosign and Kyverno then check certificates at the log's time, or now).
 */
export async function verifyLayerTimestamp(
  annotations: LayerAnnotations | undefined,
  stamped: Uint8Array,
  trust: TimestampTrust,
  what: string,
): Promise<VerifiedTimestamp | undefined> {
  const text = annotation(annotations, RFC3161_TIMESTAMP_ANNOTATION);
  if (text === undefined) return undefined;
  const json = parseJson(
    text,
    "the RFC 3161 timestamp annotation",
    "TIMESTAMP_INVALID",
    MAX_ANNOTATION_CHARS,
  );
  const encoded = isObject(json) ? json.SignedRFC3161Timestamp : undefined;
  if (typeof encoded !== "string") {
    throw cosignError(
      "TIMESTAMP_INVALID",
      `the RFC 3161 timestamp annotation has no SignedRFC3161Timestamp string`,
    );
  }
  const named = `RFC 3161 timestamp of the ${what}`;
  const response = decodeBase64(encoded, `the ${named}`, "TIMESTAMP_INVALID");
  return verifyTimestamp(tokenOfResponse(response, named), stamped, trust.roots, {
    what: named,
    authority: trust.authority,
    intermediates: trust.intermediates,
  });
}
