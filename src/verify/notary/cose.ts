/**
 * Notary Project COSE envelopes (`application/cose`): a COSE_Sign1_Tagged
 * message (CBOR tag 18). The signature is over the CBOR Sig_structure
 * ["Signature1", protected, h'', payload] (RFC 9052 section 4.4), with the
 * protected header exactly as its byte string holds it.
 */

import { type DecodeOptions, decode, encode, Tagged } from "cborg";
import { reasonOf } from "../../errors.ts";
import { algorithmFromCose } from "./algorithms.ts";
import { certificateList, type NotaryEnvelope } from "./envelope.ts";
import { notaryError } from "./errors.ts";
import { signedAttributes } from "./signed-attributes.ts";

const COSE_SIGN1_TAG = 18;
const EPOCH_TIME_TAG = 1;
const LABEL_ALG = 1;
const LABEL_CRIT = 2;
const LABEL_CONTENT_TYPE = 3;
const LABEL_X5CHAIN = 33;
const TIMESTAMP_SIGNATURE = "io.cncf.notary.timestampSignature";
const SIGNING_AGENT = "io.cncf.notary.signingAgent";

/** Strict decoding: one value per label, definite lengths only, no `undefined`, safe integers. */
const STRICT: DecodeOptions = {
  useMaps: true,
  rejectDuplicateMapKeys: true,
  allowIndefinite: false,
  allowUndefined: false,
  allowBigInt: false,
};

type Header = Map<unknown, unknown>;

function decodeCbor(bytes: Uint8Array, tag: number, what: string): unknown {
  try {
    return decode(bytes, { ...STRICT, tags: Tagged.preserve(tag) });
  } catch (err) {
    throw notaryError("ENVELOPE_INVALID", `${what} is not valid CBOR: ${reasonOf(err)}`, err);
  }
}

export function parseCoseEnvelope(bytes: Uint8Array): NotaryEnvelope {
  const message = decodeCbor(bytes, COSE_SIGN1_TAG, "COSE envelope");
  if (!(message instanceof Tagged) || message.tag !== COSE_SIGN1_TAG) {
    throw notaryError(
      "ENVELOPE_INVALID",
      "COSE envelope is not a COSE_Sign1_Tagged message (tag 18)",
    );
  }
  const parts: unknown = message.value;
  if (!Array.isArray(parts) || parts.length !== 4) {
    throw notaryError("ENVELOPE_INVALID", "COSE_Sign1 must be an array of 4 elements");
  }
  const [protectedBytes, unprotected, payload, signature] = parts as unknown[];
  if (!(protectedBytes instanceof Uint8Array) || protectedBytes.length === 0) {
    throw notaryError("ENVELOPE_INVALID", "COSE protected header is missing");
  }
  if (!(unprotected instanceof Map)) {
    throw notaryError("ENVELOPE_INVALID", "COSE unprotected header is not a map");
  }
  if (!(payload instanceof Uint8Array)) {
    throw notaryError(
      "ENVELOPE_INVALID",
      "COSE payload is missing (detached payloads are not supported)",
    );
  }
  if (!(signature instanceof Uint8Array)) {
    throw notaryError("ENVELOPE_INVALID", "COSE signature is not a byte string");
  }
  const header = decodeCbor(protectedBytes, EPOCH_TIME_TAG, "COSE protected header");
  if (!(header instanceof Map)) {
    throw notaryError("ENVELOPE_INVALID", "COSE protected header is not a map");
  }
  const both = [...unprotected.keys()].filter((label) => header.has(label));
  if (both.length > 0) {
    throw notaryError(
      "ENVELOPE_INVALID",
      `COSE header label(s) ${both.map(String).join(", ")} in both the protected and the unprotected header`,
    );
  }
  const where = "COSE protected header";
  const algorithm = algorithmFromCose(header.get(LABEL_ALG));
  const attributes = signedAttributes({
    where,
    contentType: header.get(LABEL_CONTENT_TYPE),
    critical: header.get(LABEL_CRIT),
    has: (name) => header.has(name),
    get: (name) => header.get(name),
    time: (name) => epochTime(header, name, where),
  });
  const timestamp = unprotected.get(TIMESTAMP_SIGNATURE);
  if (timestamp !== undefined && !(timestamp instanceof Uint8Array)) {
    throw notaryError("ENVELOPE_INVALID", `COSE ${TIMESTAMP_SIGNATURE} is not a byte string`);
  }
  const agent = unprotected.get(SIGNING_AGENT);
  return {
    format: "cose",
    algorithm,
    signedBytes: encode(["Signature1", protectedBytes, new Uint8Array(0), payload]),
    signature,
    payload,
    signedAttributes: attributes,
    certificates: x5chain(header.get(LABEL_X5CHAIN) ?? unprotected.get(LABEL_X5CHAIN)),
    timestampToken: timestamp,
    signingAgent: typeof agent === "string" ? agent : undefined,
  };
}

/** x5chain (RFC 9360): one certificate as a byte string, or an array of them. */
function x5chain(value: unknown): Uint8Array[] {
  const list = certificateList(value instanceof Uint8Array ? [value] : value, "COSE x5chain");
  return list.map((entry, index) => {
    if (!(entry instanceof Uint8Array)) {
      throw notaryError("ENVELOPE_INVALID", `COSE x5chain entry ${index + 1} is not a byte string`);
    }
    return entry;
  });
}

/** An epoch-based date/time (CBOR tag 1, RFC 8949 section 3.4.2). */
function epochTime(header: Header, name: string, where: string): Date | undefined {
  if (!header.has(name)) return undefined;
  const value = header.get(name);
  const seconds = value instanceof Tagged && value.tag === EPOCH_TIME_TAG ? value.value : undefined;
  const time =
    typeof seconds === "number" && Number.isFinite(seconds) ? new Date(seconds * 1000) : undefined;
  if (time === undefined || Number.isNaN(time.getTime())) {
    throw notaryError("ENVELOPE_INVALID", `${where}: ${name} is not an epoch date/time (tag 1)`);
  }
  return time;
}
