/**
 * A classic cosign image signature: one layer of the `sha256-<hex>.sig`
 * manifest, its bytes the simple-signing payload and its annotations the
 * signature, certificate, chain and Rekor bundle.
 */
import { decodeBase64 } from "./encoding.ts";
import { cosignError } from "./errors.ts";
import {
  annotation,
  assertLayerInput,
  type LayerAnnotations,
  MAX_SIGNATURE_LAYER_BYTES,
  SIGNATURE_ANNOTATION,
} from "./layer.ts";
import { type CosignPolicy, type PreparedCosignPolicy, prepareCosignPolicy } from "./policy.ts";
import type { CosignSigner } from "./signer.ts";
import { parseSimpleSigning } from "./simple-signing.ts";
import type { CosignTrust } from "./trusted-root.ts";
import { type CosignTlogEntry, verifySignedLayer } from "./verify-layer.ts";

export interface VerifyCosignSignatureOptions {
  /** The layer's bytes, already checked against its descriptor digest. */
  layer: Uint8Array;
  annotations: LayerAnnotations | undefined;
  /** The image manifest digest, `sha256:<hex>`, the payload must name. */
  imageDigest: string;
  policy: CosignPolicy | PreparedCosignPolicy;
  trust: CosignTrust;
  now: Date;
}

export interface CosignSignatureResult {
  readonly imageDigest: string;
  /** `critical.identity.docker-reference`: the name the signer used (informational only). */
  readonly dockerReference: string | undefined;
  /** `critical.type`. */
  readonly signatureType: string;
  /** The payload's `optional` object (what Kyverno attestor `annotations` match). */
  readonly annotations: Readonly<Record<string, unknown>> | undefined;
  readonly signer: CosignSigner;
  readonly tlog: CosignTlogEntry | undefined;
  readonly signedAt: Date;
}

/**
 * Verifies one signature layer for `imageDigest` under `policy`; throws
 * `ImgverifyError<CosignErrorCode>` naming the failed step.
 */
export async function verifyCosignSignature(
  options: VerifyCosignSignatureOptions,
): Promise<CosignSignatureResult> {
  const { layer, annotations, imageDigest } = options;
  assertLayerInput(layer, imageDigest, MAX_SIGNATURE_LAYER_BYTES);
  const policy = prepareCosignPolicy(options.policy);
  const payload = parseSimpleSigning(layer, MAX_SIGNATURE_LAYER_BYTES);
  if (payload.dockerManifestDigest !== imageDigest) {
    throw cosignError(
      "PAYLOAD_DIGEST_MISMATCH",
      `the signature is for image ${payload.dockerManifestDigest}, not ${imageDigest}`,
    );
  }
  const text = annotation(annotations, SIGNATURE_ANNOTATION);
  if (text === undefined) {
    throw cosignError(
      "SIGNATURE_MISSING",
      `the signature layer has no ${SIGNATURE_ANNOTATION} annotation`,
    );
  }
  const signature = decodeBase64(text, "signature annotation", "SIGNATURE_INVALID");
  const verified = await verifySignedLayer({
    layer,
    annotations,
    policy,
    trust: options.trust,
    now: options.now,
    signed: layer,
    signatures: [signature],
    loggedSignature: signature,
    what: `signature of ${imageDigest}`,
  });
  return {
    imageDigest,
    dockerReference: payload.dockerReference,
    signatureType: payload.type,
    annotations: payload.annotations,
    ...verified,
  };
}
