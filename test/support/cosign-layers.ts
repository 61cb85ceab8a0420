import { SIGNATURE_ANNOTATION, simpleSigningPayload } from "../integration/verify/support.ts";

/**
 * Layers of cosign's `.sig` and `.att` manifests as `cosign sign --key` and
 * `cosign attest --key` write them (without a log entry), over any signer.
 */

export type SignBytes = (data: Uint8Array | string) => Promise<Uint8Array>;

export interface CosignLayer {
  content: string;
  annotations: Record<string, string>;
}

const IN_TOTO = "application/vnd.in-toto+json";

/** A simple-signing payload for `digest` with its signature annotation. */
export async function signatureLayer(
  sign: SignBytes,
  dockerReference: string,
  digest: string,
): Promise<CosignLayer> {
  const payload = simpleSigningPayload(dockerReference, digest);
  const signature = await sign(payload);
  return {
    content: payload,
    annotations: { [SIGNATURE_ANNOTATION]: Buffer.from(signature).toString("base64") },
  };
}

/**
 * A DSSE envelope of an in-toto statement about `subjectDigest`, signed over
 * DSSE's pre-authentication encoding, with the predicate type annotated.
 */
export async function attestationLayer(
  sign: SignBytes,
  subjectDigest: string,
  predicateType: string,
  predicate: object,
): Promise<CosignLayer> {
  const statement = JSON.stringify({
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: "image", digest: { sha256: subjectDigest.replace("sha256:", "") } }],
    predicateType,
    predicate,
  });
  const pae = `DSSEv1 ${IN_TOTO.length} ${IN_TOTO} ${Buffer.byteLength(statement)} ${statement}`;
  const signature = await sign(pae);
  const envelope = {
    payloadType: IN_TOTO,
    payload: Buffer.from(statement).toString("base64"),
    signatures: [{ keyid: "", sig: Buffer.from(signature).toString("base64") }],
  };
  return {
    content: JSON.stringify(envelope),
    annotations: { predicateType, [SIGNATURE_ANNOTATION]: "" },
  };
}
