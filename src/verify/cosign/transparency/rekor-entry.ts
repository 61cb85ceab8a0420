/**
 * The body of a Rekor entry (base64 JSON `{apiVersion, kind, spec}`) and the
 * check that it logs this layer: the hash of the layer's bytes, the signature
 * (where the kind records it) and the signer's certificate or key, as cosign
 * compares them. Kinds: hashedrekord and rekord for signatures; intoto
 * (0.0.1, 0.0.2) and dsse for attestations.
 */

import {
  bytesEqual,
  type Certificate,
  type PublicKey,
  parseCertificates,
  parsePublicKeysPem,
} from "../../../crypto/index.ts";
import { reasonOf } from "../../../errors.ts";
import { decodeBase64, isObject, type JsonObject, parseJson } from "../encoding.ts";
import { cosignError } from "../errors.ts";

export interface LoggedEntry {
  /** `kind apiVersion`, for messages. */
  readonly kind: string;
  readonly hash: { readonly algorithm: string; readonly value: string };
  /** The signature the entry records, for kinds that record one over the payload. */
  readonly signature: Uint8Array | undefined;
  /** Base64 PEM of each certificate or public key the entry names. */
  readonly verifiers: readonly string[];
}

/** What the entry must show for this layer. */
export interface EntryExpectation {
  /** Lower-case hex SHA-256 of the layer's bytes. */
  readonly layerDigest: string;
  /** The layer's signature, when its entry kind records one. */
  readonly signature: Uint8Array | undefined;
  /** Certificate-signed: the entry must name this very certificate. */
  readonly certificate: Certificate | undefined;
  /** Key-signed: the entry must name this key, bare or in a certificate. */
  readonly key: PublicKey;
}

const MAX_BODY_BYTES = 1024 * 1024;

export function parseEntryBody(body: string): LoggedEntry {
  const json = parseJson(
    decodeBase64(body, "Rekor entry body", "TLOG_INVALID"),
    "Rekor entry body",
    "TLOG_INVALID",
    MAX_BODY_BYTES,
  );
  const spec = isObject(json) && isObject(json.spec) ? json.spec : undefined;
  const kind = isObject(json) ? `${json.kind} ${json.apiVersion}` : "";
  const at = (...path: string[]): unknown =>
    path.reduce<unknown>((node, key) => (isObject(node) ? node[key] : undefined), spec);
  let hash: unknown;
  let signature: unknown;
  let verifiers: unknown[] = [];
  switch (kind) {
    case "hashedrekord 0.0.1":
    case "rekord 0.0.1":
      hash = at("data", "hash");
      signature = at("signature", "content");
      verifiers = [at("signature", "publicKey", "content")];
      break;
    case "intoto 0.0.1":
      hash = at("content", "hash");
      verifiers = [at("publicKey")];
      break;
    case "intoto 0.0.2":
      hash = at("content", "hash");
      verifiers = listOf(at("content", "envelope", "signatures")).map((entry) => entry.publicKey);
      break;
    case "dsse 0.0.1":
      hash = at("envelopeHash");
      verifiers = listOf(at("signatures")).map((entry) => entry.verifier);
      break;
    default:
      throw cosignError(
        "TLOG_INVALID",
        `Rekor entry kind ${JSON.stringify(kind)} is not one cosign writes`,
      );
  }
  if (
    !isObject(hash) ||
    typeof hash.algorithm !== "string" ||
    typeof hash.value !== "string" ||
    (signature !== undefined && typeof signature !== "string") ||
    verifiers.length === 0 ||
    !verifiers.every((verifier) => typeof verifier === "string")
  ) {
    throw cosignError(
      "TLOG_INVALID",
      `Rekor ${kind} entry lacks its hash, signature or public key fields`,
    );
  }
  return {
    kind,
    hash: { algorithm: hash.algorithm, value: hash.value },
    signature:
      typeof signature === "string"
        ? decodeBase64(signature, "logged signature", "TLOG_INVALID")
        : undefined,
    verifiers: verifiers as string[],
  };
}

/** Throws `TLOG_BODY_MISMATCH` unless `entry` logs what `expected` describes. */
export function assertEntryMatches(entry: LoggedEntry, expected: EntryExpectation): void {
  const mismatch = (what: string) =>
    cosignError("TLOG_BODY_MISMATCH", `Rekor ${entry.kind} entry is for another ${what}`);
  if (
    entry.hash.algorithm !== "sha256" ||
    entry.hash.value.toLowerCase() !== expected.layerDigest
  ) {
    throw mismatch(
      `payload: it logs ${entry.hash.algorithm}:${entry.hash.value}, the layer is sha256:${expected.layerDigest}`,
    );
  }
  if (
    expected.signature !== undefined &&
    entry.signature !== undefined &&
    !bytesEqual(entry.signature, expected.signature)
  ) {
    throw mismatch("signature");
  }
  if (!entry.verifiers.some((verifier) => namesSigner(verifier, expected))) {
    throw mismatch(expected.certificate === undefined ? "public key" : "certificate");
  }
}

/** One certificate, as cosign logs it. */
const CERTIFICATE_PEM =
  /^\s*-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----\s*$/;

function namesSigner(verifier: string, expected: EntryExpectation): boolean {
  const pem = new TextDecoder().decode(decodeBase64(verifier, "logged public key", "TLOG_INVALID"));
  if (expected.certificate !== undefined) {
    // The DER is all a comparison needs; parsing the logged certificate would cost more than the rest.
    const body = CERTIFICATE_PEM.exec(pem)?.[1]?.replace(/\s/g, "");
    if (body === undefined) return false;
    return bytesEqual(
      decodeBase64(body, "logged certificate", "TLOG_INVALID"),
      expected.certificate.der,
    );
  }
  try {
    const loggedKeys = pem.includes("-----BEGIN CERTIFICATE-----")
      ? parseCertificates(pem, "logged certificate").map((cert) => cert.spki)
      : parsePublicKeysPem(pem).map((key) => key.spki);
    return loggedKeys.some((spki) => bytesEqual(spki, expected.key.spki));
  } catch (err) {
    throw cosignError(
      "TLOG_INVALID",
      `the public key the Rekor entry names does not parse: ${reasonOf(err)}`,
      err,
    );
  }
}

function listOf(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}
