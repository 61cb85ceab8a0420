/**
 * A classic cosign attestation: one layer of the `sha256-<hex>.att` manifest,
 * a DSSE envelope around an in-toto statement about the image, signed over
 * the envelope's pre-authentication encoding. The certificate, chain and
 * Rekor bundle sit in the layer's annotations as for signatures.
 */
import type { Envelope } from "@sigstore/bundle";
import { isImgverifyError } from "../../errors.ts";
import { resolveArtifact } from "../bundle/artifact.ts";
import {
  assertSubjectMatches,
  IN_TOTO_PAYLOAD_TYPE,
  type InTotoStatement,
  parseStatement,
} from "../bundle/statement.ts";
import type { VerifiedTimestamp } from "../timestamp/index.ts";
import { type DsseEnvelope, parseEnvelope, preAuthEncoding } from "./dsse.ts";
import { cosignError } from "./errors.ts";
import { MAX_ATTESTATION_LAYER_BYTES } from "./layer.ts";
import type { CosignSigner } from "./signer.ts";
import {
  type CosignTlogEntry,
  type LayerInput,
  openLayer,
  verifySignedLayer,
} from "./verify-layer.ts";

/** The layer's bytes are a DSSE envelope; a statement subject must carry `imageDigest`. */
export interface VerifyCosignAttestationOptions extends LayerInput {
  /** Only statements of this predicate type count; others resolve to undefined. */
  readonly predicateType?: string;
}

export interface CosignAttestationResult {
  readonly imageDigest: string;
  readonly predicateType: string;
  /** The verified statement, for Kyverno attestation conditions. */
  readonly statement: InTotoStatement;
  readonly signer: CosignSigner;
  readonly tlog: CosignTlogEntry | undefined;
  /** The TSA's verified timestamp, when the policy trusts one and the layer carries it. */
  readonly timestamp: VerifiedTimestamp | undefined;
  readonly signedAt: Date;
}

/**
 * Verifies one attestation layer for `imageDigest` under `policy`. Resolves
 * undefined, without checking any signature, when the statement's predicate
 * type is not `predicateType`: such a layer neither passes nor fails the
 * policy. Any other problem throws `ImgverifyError<CosignErrorCode>`.
 */
export async function verifyCosignAttestation(
  options: VerifyCosignAttestationOptions,
): Promise<CosignAttestationResult | undefined> {
  const opened = openLayer(options, MAX_ATTESTATION_LAYER_BYTES);
  const { layer, imageDigest } = opened;
  const envelope = parseEnvelope(layer, MAX_ATTESTATION_LAYER_BYTES);
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw cosignError(
      "ENVELOPE_INVALID",
      `DSSE payload type ${JSON.stringify(envelope.payloadType)} is not ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }
  const statement = statementAbout(envelope, imageDigest, options.predicateType);
  if (statement === undefined) return undefined;
  const verified = await verifySignedLayer({
    ...opened,
    signed: preAuthEncoding(envelope.payloadType, envelope.payload),
    signatures: envelope.signatures,
    loggedSignature: undefined,
    timestamped: layer,
    what: `attestation of ${imageDigest}`,
  });
  return { imageDigest, predicateType: statement.predicateType, statement, ...verified };
}

/** The statement when it has the wanted predicate type and is about the image. */
function statementAbout(
  envelope: DsseEnvelope,
  imageDigest: string,
  predicateType: string | undefined,
): InTotoStatement | undefined {
  try {
    // parseStatement reads the payload type and payload only.
    const statement = parseStatement(envelope as unknown as Envelope);
    if (predicateType !== undefined && statement.predicateType !== predicateType) return undefined;
    assertSubjectMatches(statement, resolveArtifact({ digest: imageDigest }));
    return statement;
  } catch (err) {
    if (isImgverifyError(err, "STATEMENT_INVALID", "SUBJECT_MISMATCH")) {
      throw cosignError(err.code, err.message, err);
    }
    throw err;
  }
}
