/**
 * Cosign layers built in-test: simple-signing payloads, DSSE envelopes in the
 * byte form cosign writes, and fresh keys (the crypto fixtures keep one key
 * per type, and these tests need several distinct ones).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { expect } from "vitest";
import { isImgverifyError } from "../../../../src/errors.ts";
import { p1363ToDer, pem, type TestKey, toBase64 } from "../../crypto/fixtures.ts";

/** Byte-by-byte tamper loops verify hundreds of times; slower runtimes (Deno) need the room. */
export const TAMPER_LOOP = { timeout: 60_000 } as const;

export const IMAGE_DIGEST = `sha256:${"3a".repeat(32)}`;
export const OTHER_DIGEST = `sha256:${"5c".repeat(32)}`;
export const SIMPLE_SIGNING_TYPE = "cosign container image signature";
export const IN_TOTO = "application/vnd.in-toto+json";

const encoder = new TextEncoder();
const subtle = globalThis.crypto.subtle;

/** A new ECDSA key each call, signing as cosign does (DER, SHA-256 unless told). */
export async function freshKey(curve: "P-256" | "P-384" = "P-256"): Promise<TestKey> {
  const pair = (await subtle.generateKey({ name: "ECDSA", namedCurve: curve }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const spki = new Uint8Array(await subtle.exportKey("spki", pair.publicKey));
  return {
    spec: curve,
    spki,
    pem: pem("PUBLIC KEY", spki),
    async sign(data, options = {}) {
      const hash = { sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" }[
        options.hash ?? "sha256"
      ];
      const raw = await subtle.sign({ name: "ECDSA", hash }, pair.privateKey, data as BufferSource);
      return p1363ToDer(new Uint8Array(raw));
    },
  };
}

export interface PayloadSpec {
  digest?: string;
  type?: string;
  reference?: string;
  optional?: Record<string, unknown> | null;
}

/** A simple-signing payload, keys in cosign's order. */
export function simpleSigning(spec: PayloadSpec = {}): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      critical: {
        identity: { "docker-reference": spec.reference ?? "registry.test/app" },
        image: { "docker-manifest-digest": spec.digest ?? IMAGE_DIGEST },
        type: spec.type ?? SIMPLE_SIGNING_TYPE,
      },
      optional: spec.optional === undefined ? null : spec.optional,
    }),
  );
}

export function statement(
  subjectDigest = IMAGE_DIGEST,
  predicateType = "https://slsa.dev/provenance/v1",
): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      _type: "https://in-toto.io/Statement/v1",
      subject: [{ name: "registry.test/app", digest: { sha256: subjectDigest.slice(7) } }],
      predicateType,
      predicate: { buildDefinition: { buildType: "https://example.test/build" } },
    }),
  );
}

/** DSSE pre-authentication encoding, written out independently of the code under test. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const head = encoder.encode(
    `DSSEv1 ${encoder.encode(payloadType).length} ${payloadType} ${payload.length} `,
  );
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/** The envelope JSON as Go's encoding/json writes cosign's (field order, empty keyid). */
export function envelope(
  payloadType: string,
  payload: Uint8Array,
  signatures: Uint8Array[],
): Uint8Array {
  return encoder.encode(
    JSON.stringify({
      payloadType,
      payload: toBase64(payload),
      signatures: signatures.map((sig) => ({ keyid: "", sig: toBase64(sig) })),
    }),
  );
}

/** An envelope around `payload` signed by `key` over its PAE. */
export async function signedEnvelope(
  key: TestKey,
  payload: Uint8Array = statement(),
  payloadType = IN_TOTO,
): Promise<Uint8Array> {
  return envelope(payloadType, payload, [await key.sign(pae(payloadType, payload))]);
}

export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

/** `bytes` with byte `index` XORed with 0x01. */
export function flipped(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[index] = (copy[index] as number) ^ 0x01;
  return copy;
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Expects `promise` to reject with an ImgverifyError of one of `codes`; returns the code. */
export async function rejectsWith(promise: Promise<unknown>, ...codes: string[]): Promise<string> {
  const err = await promise.then(
    (value) => {
      throw new Error(
        `expected a failure with ${codes.join(" or ")}, got ${JSON.stringify(value)}`,
      );
    },
    (reason: unknown) => reason,
  );
  if (!isImgverifyError(err)) throw err;
  expect(codes, err.message).toContain(err.code);
  return err.code;
}
