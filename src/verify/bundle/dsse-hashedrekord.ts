/**
 * DSSE envelopes logged to Rekor v2 as `hashedrekord` entries (rekor-v2 spec
 * "hashedrekord over DSSE"): the entry records SHA-256 of the envelope's
 * pre-authentication encoding, not of its payload as `dsse` and `intoto`
 * entries do. `@sigstore/verify` 3 compares the payload digest only, so the
 * envelope's content is given the digest such an entry holds.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import type { Envelope, TransparencyLogEntry } from "@sigstore/bundle";
import { dsse } from "@sigstore/core";
import type { SignedEntity } from "@sigstore/verify";
import { bundleError } from "./errors.ts";

type SignatureContent = SignedEntity["signature"];

/** `content` unchanged unless the envelope was logged as `hashedrekord`. */
export function dsseContentForLogEntries(
  content: SignatureContent,
  envelope: Envelope,
  entries: readonly TransparencyLogEntry[],
): SignatureContent {
  const hashedRekord = entries.filter((e) => e.kindVersion?.kind === "hashedrekord").length;
  if (hashedRekord === 0) return content;
  if (hashedRekord !== entries.length) {
    throw bundleError(
      "UNSUPPORTED",
      "DSSE bundle mixes hashedrekord log entries with entries of other kinds",
    );
  }
  const paeDigest = sha256(dsse.preAuthEncoding(envelope.payloadType, envelope.payload));
  return {
    signature: content.signature,
    compareSignature: (signature) => content.compareSignature(signature),
    compareDigest: (digest) =>
      digest.length === paeDigest.length && digest.every((byte, i) => byte === paeDigest[i]),
    verifySignature: (key) => content.verifySignature(key),
  };
}
