import { derivedValues } from "../store/ttl-cache.ts";
import { cryptoError } from "./errors.ts";
import { decodePem, type PemBlock } from "./pem.ts";
import { type PublicKey, parsePublicKeySpki, rsaPkcs1ToSpki } from "./public-key.ts";

/**
 * Keys parsed before, by their PEM text. Every check of an attestor names the
 * same keys on every admission, and parsing one (ASN.1, a point check, its
 * SHA-256 id) costs about 0.3 ms; the frozen key objects are also what
 * verifiers keep their imported CryptoKeys beside. A text that fails to
 * parse throws before it is kept, so no failure is remembered.
 */
const parsedKeys = derivedValues<readonly PublicKey[]>(256, 4 * 1024 * 1024);

/**
 * Every public key in a PEM text, in order. Kyverno's `publicKeys` may hold
 * several concatenated blocks; a signature then verifies when any key accepts it.
 * Takes `PUBLIC KEY` (SubjectPublicKeyInfo) and `RSA PUBLIC KEY` (PKCS#1) blocks.
 */
export function parsePublicKeysPem(text: string): readonly PublicKey[] {
  const known = parsedKeys.get(text);
  if (known !== undefined) return known;
  const blocks = decodePem(text, "public key PEM");
  const keys = Object.freeze(
    blocks.map((block, index) =>
      Object.freeze(
        parsePublicKeyBlock(
          block,
          blocks.length === 1 ? "public key" : `public key ${index + 1} of ${blocks.length}`,
        ),
      ),
    ),
  );
  parsedKeys.set(text, keys);
  return keys;
}

/** The one public key of a PEM text; several blocks are an error here. */
export function parsePublicKeyPem(text: string): PublicKey {
  const keys = parsePublicKeysPem(text);
  if (keys.length !== 1) {
    throw cryptoError("PEM_INVALID", `expected one public key PEM block, found ${keys.length}`);
  }
  return keys[0] as PublicKey;
}

function parsePublicKeyBlock(block: PemBlock, what: string): PublicKey {
  switch (block.label) {
    case "PUBLIC KEY":
      return parsePublicKeySpki(block.der, what);
    case "RSA PUBLIC KEY":
      return parsePublicKeySpki(rsaPkcs1ToSpki(block.der), `${what} (PKCS#1)`);
    case "EC PUBLIC KEY":
      throw cryptoError(
        "KEY_UNSUPPORTED",
        `${what}: "EC PUBLIC KEY" is not a standard PEM label; export the key as "PUBLIC KEY" ` +
          "(SubjectPublicKeyInfo), e.g. with `openssl ec -pubin -pubout`",
      );
    default:
      throw cryptoError(
        "KEY_UNSUPPORTED",
        `${what}: expected a "PUBLIC KEY" PEM block, found "${block.label}"`,
      );
  }
}
