/**
 * Signature checks for a message-signature bundle when only the artifact's
 * digest is known. Node's `crypto.verify` and WebCrypto always hash the
 * message themselves, so the ECDSA check over the given digest is done by
 * @noble/curves. Ed25519 signs the message, not a digest, so it cannot be
 * checked this way; neither can RSA here.
 */
import { p256, p384, p521 } from "@noble/curves/nist.js";
import type { crypto } from "@sigstore/core";
import type { SignedEntity } from "@sigstore/verify";
import { bundleError } from "./errors.ts";

type SignatureContent = SignedEntity["signature"];

const CURVES = { "P-256": p256, "P-384": p384, "P-521": p521 } as const;

/** `content` with its signature check done over `digest` instead of the artifact's bytes. */
export function prehashedSignatureContent(
  content: SignatureContent,
  digest: Uint8Array,
): SignatureContent {
  return {
    signature: content.signature,
    compareSignature: (signature) => content.compareSignature(signature),
    compareDigest: (other) => content.compareDigest(other),
    verifySignature: (key) => verifyPrehashed(key, digest, content.signature),
  };
}

function verifyPrehashed(
  key: crypto.KeyObject,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  const jwk = key.asymmetricKeyType === "ec" ? key.export({ format: "jwk" }) : undefined;
  const curve = jwk?.crv !== undefined ? CURVES[jwk.crv as keyof typeof CURVES] : undefined;
  if (jwk?.x === undefined || jwk.y === undefined || curve === undefined) {
    throw bundleError(
      "UNSUPPORTED",
      `a digest-only artifact can be checked against ECDSA P-256/P-384/P-521 signatures only, not ${describeKey(key)}; give the artifact's bytes`,
    );
  }
  const point = new Uint8Array([4, ...base64UrlBytes(jwk.x), ...base64UrlBytes(jwk.y)]);
  try {
    // Sigstore's Go and Node verifiers accept high-S signatures; so must this one.
    return curve.verify(signature, digest, point, { prehash: false, format: "der", lowS: false });
  } catch {
    return false; // malformed DER or point: not a valid signature
  }
}

function describeKey(key: crypto.KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `${key.asymmetricKeyType ?? "unknown"}${curve ? ` ${curve}` : ""} keys`;
}

function base64UrlBytes(text: string): Uint8Array {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")), (c) =>
    c.charCodeAt(0),
  );
}
