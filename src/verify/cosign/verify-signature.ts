/**
 * A classic cosign image signature: one layer of the `sha256-<hex>.sig`
 * manifest, its bytes the simple-signing payload and its annotations the
 * signature, certificate, chain and Rekor bundle.
 */

import type { VerifiedTimestamp } from "../timestamp/index.ts";
import { decodeBase64 } from "./encoding.ts";
import { cosignError } from "./errors.ts";
import { annotation, MAX_SIGNATURE_LAYER_BYTES, SIGNATURE_ANNOTATION } from "./layer.ts";
import type { CosignSigner } from "./signer.ts";
import { parseSimpleSigning } from "./simple-signing.ts";
import {
  type CosignTlogEntry,
  type LayerInput,
  openLayer,
  verifySignedLayer,
} from "./verify-layer.ts";

/** The layer's bytes are the simple-signing payload, which must name `imageDigest`. */
export type VerifyCosignSignatureOptions = LayerInput;

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
  /** The TSA's verified timestamp, when the policy trusts one and the layer carries it. */
  readonly timestamp: VerifiedTimestamp | undefined;
  readonly signedAt: Date;
}

/**
 * Verifies one signature layer for `imageDigest` under `policy`; throws
 * `ImgverifyError<CosignErrorCode>` naming the failed step.
 */
export async function verifyCosignSignature(
  options: VerifyCosignSignatureOptions,
): Promise<CosignSignatureResult> {
  const opened = openLayer(options, MAX_SIGNATURE_LAYER_BYTES);
  const { layer, annotations, imageDigest } = opened;
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
    ...opened,
    signed: layer,
    signatures: [signature],
    loggedSignature: signature,
    timestamped: signature,
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
