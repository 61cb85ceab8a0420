/**
 * DSSE envelopes as cosign stores attestations in `.att` layers:
 * `{"payloadType", "payload": base64, "signatures": [{"keyid", "sig": base64}]}`,
 * and the pre-authentication encoding their signatures cover.
 */
import { concatBytes } from "@noble/hashes/utils.js";
import { decodeBase64, isObject, parseJson } from "./encoding.ts";
import { cosignError } from "./errors.ts";

export interface DsseEnvelope {
  readonly payloadType: string;
  readonly payload: Uint8Array;
  /** Any one verifying with the signer's key suffices (threshold 1, as cosign). */
  readonly signatures: readonly Uint8Array[];
}

/** cosign writes one; a handful is generous. */
const MAX_SIGNATURES = 16;

export function parseEnvelope(bytes: Uint8Array, maxBytes: number): DsseEnvelope {
  const json = parseJson(bytes, "DSSE envelope", "ENVELOPE_INVALID", maxBytes);
  if (!isObject(json)) throw cosignError("ENVELOPE_INVALID", "DSSE envelope is not a JSON object");
  const { payloadType, payload, signatures } = json;
  if (
    typeof payloadType !== "string" ||
    typeof payload !== "string" ||
    !Array.isArray(signatures)
  ) {
    throw cosignError(
      "ENVELOPE_INVALID",
      "DSSE envelope needs a string payloadType, a string payload and a signatures list",
    );
  }
  if (signatures.length === 0)
    throw cosignError("SIGNATURE_MISSING", "DSSE envelope lists no signature");
  if (signatures.length > MAX_SIGNATURES) {
    throw cosignError(
      "ENVELOPE_INVALID",
      `DSSE envelope lists ${signatures.length} signatures, more than ${MAX_SIGNATURES}`,
    );
  }
  return {
    payloadType,
    payload: decodeBase64(payload, "DSSE payload", "ENVELOPE_INVALID", { urlSafe: true }),
    signatures: signatures.map((entry: unknown, index) => {
      const what = `DSSE signature ${index + 1}`;
      if (!isObject(entry) || typeof entry.sig !== "string" || entry.sig === "") {
        throw cosignError("SIGNATURE_MISSING", `${what} has no sig`);
      }
      return decodeBase64(entry.sig, what, "SIGNATURE_INVALID", { urlSafe: true });
    }),
  };
}

const encoder = new TextEncoder();

/** `DSSEv1 <len(type)> <type> <len(payload)> <payload>`, lengths in bytes as decimal. */
export function preAuthEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = encoder.encode(payloadType);
  return concatBytes(
    encoder.encode(`DSSEv1 ${type.length} `),
    type,
    encoder.encode(` ${payload.length} `),
    payload,
  );
}
