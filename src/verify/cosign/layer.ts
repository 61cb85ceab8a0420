/**
 * What the orchestration hands over per signature layer of a `.sig` or
 * `.att` manifest, the annotation names cosign writes on it, and the checks
 * every such input gets before any parsing.
 */
import { cosignError } from "./errors.ts";

/** The layer descriptor's annotations, as the OCI manifest lists them. */
export type LayerAnnotations = Readonly<Record<string, string>>;

/** Base64 signature over the payload (empty on attestation layers). */
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
/** PEM of the signing certificate. */
export const CERTIFICATE_ANNOTATION = "dev.sigstore.cosign/certificate";
/** PEM of the certificates above it, root last. */
export const CHAIN_ANNOTATION = "dev.sigstore.cosign/chain";
/** JSON of the Rekor entry: `{SignedEntryTimestamp, Payload: {body, integratedTime, logIndex, logID}}`. */
export const BUNDLE_ANNOTATION = "dev.sigstore.cosign/bundle";
/** JSON `{"SignedRFC3161Timestamp": <base64 DER TimeStampResp>}` from a TSA (`cosign sign --timestamp-server-url`). */
export const RFC3161_TIMESTAMP_ANNOTATION = "dev.sigstore.cosign/rfc3161timestamp";

/** Simple-signing payloads are a few hundred bytes; with annotations, still far below this. */
export const MAX_SIGNATURE_LAYER_BYTES: number = 4 * 1024 * 1024;
/** cosign's own default limit on attachments; SBOM attestations can be tens of MiB. */
export const MAX_ATTESTATION_LAYER_BYTES: number = 128 * 1024 * 1024;
/** Certificates, chains and Rekor bundles are a few KiB each. */
const MAX_ANNOTATION_CHARS = 1024 * 1024;

const IMAGE_DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The annotation's value, or undefined when absent or empty (cosign writes "" for "none"). */
export function annotation(
  annotations: LayerAnnotations | undefined,
  name: string,
): string | undefined {
  const value = annotations?.[name];
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string" || value.length > MAX_ANNOTATION_CHARS) {
    throw cosignError(
      "INPUT_INVALID",
      `layer annotation ${name} is not a string of at most ${MAX_ANNOTATION_CHARS} characters`,
    );
  }
  return value;
}

/** Rejects a digest that is not `sha256:` with 64 lower-case hex digits, and a layer over `maxBytes`. */
export function assertLayerInput(layer: Uint8Array, imageDigest: string, maxBytes: number): void {
  if (typeof imageDigest !== "string" || !IMAGE_DIGEST.test(imageDigest)) {
    throw cosignError(
      "INPUT_INVALID",
      `image digest ${JSON.stringify(imageDigest)} is not sha256: followed by 64 lower-case hex digits`,
    );
  }
  if (!(layer instanceof Uint8Array))
    throw cosignError("INPUT_INVALID", "the layer must be bytes (Uint8Array)");
  if (layer.byteLength > maxBytes) {
    throw cosignError(
      "INPUT_INVALID",
      `the layer is ${layer.byteLength} bytes, more than ${maxBytes}`,
    );
  }
}
