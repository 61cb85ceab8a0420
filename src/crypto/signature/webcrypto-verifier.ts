import { reasonOf } from "../../errors.ts";
import { cryptoError } from "../errors.ts";
import { describePublicKey, type PublicKey } from "../public-key.ts";
import type { VerifyRequest } from "./verify-request.ts";

/** A verdict, or "unsupported" when this WebCrypto lacks the algorithm. */
export type WebCryptoOutcome = boolean | "unsupported";

function isNotSupported(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === "NotSupportedError";
}

/** WebCrypto refuses views of a SharedArrayBuffer; those are copied. */
function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return (bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice()) as Uint8Array<ArrayBuffer>;
}

/** The import parameters, and the name they are cached under: RSA keys are bound to one hash and padding. */
function importAlgorithm(request: VerifyRequest): { cacheKey: string; algorithm: Algorithm } {
  const { key, hash } = request;
  switch (key.kind) {
    case "ecdsa":
      return {
        cacheKey: "ECDSA",
        algorithm: { name: "ECDSA", namedCurve: key.curve } as EcKeyImportParams,
      };
    case "ed25519":
      return { cacheKey: "Ed25519", algorithm: { name: "Ed25519" } };
    case "rsa": {
      const name = request.rsaPadding === "pss" ? "RSA-PSS" : "RSASSA-PKCS1-v1_5";
      return {
        cacheKey: `${name} ${hash.webCrypto}`,
        algorithm: { name, hash: hash.webCrypto } as RsaHashedImportParams,
      };
    }
  }
}

/**
 * Verification over one `subtle`. Each parsed key is imported once per
 * algorithm and the CryptoKey kept beside the key object (a WeakMap, so it
 * goes when the key does).
 */
export function createWebCryptoVerifier(
  subtle: SubtleCrypto,
): (request: VerifyRequest) => Promise<WebCryptoOutcome> {
  const imported = new WeakMap<PublicKey, Map<string, Promise<CryptoKey>>>();

  function importKey(request: VerifyRequest): Promise<CryptoKey> {
    const { cacheKey, algorithm } = importAlgorithm(request);
    let perKey = imported.get(request.key);
    if (perKey === undefined) {
      perKey = new Map();
      imported.set(request.key, perKey);
    }
    let cryptoKey = perKey.get(cacheKey);
    if (cryptoKey === undefined) {
      cryptoKey = subtle.importKey("spki", bufferSource(request.key.spki), algorithm, false, [
        "verify",
      ]);
      perKey.set(cacheKey, cryptoKey);
    }
    return cryptoKey;
  }

  return async (request) => {
    let cryptoKey: CryptoKey;
    try {
      cryptoKey = await importKey(request);
    } catch (err) {
      if (isNotSupported(err)) return "unsupported";
      const what = describePublicKey(request.key);
      if ((err as { name?: unknown }).name === "DataError") {
        throw cryptoError(
          "KEY_INVALID",
          `${what}: WebCrypto refuses the key: ${reasonOf(err)}`,
          err,
        );
      }
      throw cryptoError(
        "CRYPTO_FAILURE",
        `${what}: WebCrypto key import failed: ${reasonOf(err)}`,
        err,
      );
    }
    const signature = bufferSource(request.signature);
    const data = bufferSource(request.data);
    try {
      switch (request.key.kind) {
        case "ecdsa":
          return await subtle.verify(
            { name: "ECDSA", hash: request.hash.webCrypto } as EcdsaParams,
            cryptoKey,
            signature,
            data,
          );
        case "ed25519":
          return await subtle.verify({ name: "Ed25519" }, cryptoKey, signature, data);
        case "rsa":
          if (request.rsaPadding === "pkcs1v15") {
            return await subtle.verify({ name: "RSASSA-PKCS1-v1_5" }, cryptoKey, signature, data);
          }
          for (const saltLength of request.pssSaltLengths) {
            const params: RsaPssParams = { name: "RSA-PSS", saltLength };
            if (await subtle.verify(params, cryptoKey, signature, data)) return true;
          }
          return false;
      }
    } catch (err) {
      if (isNotSupported(err)) return "unsupported";
      throw cryptoError(
        "CRYPTO_FAILURE",
        `${describePublicKey(request.key)}: WebCrypto verification failed: ${reasonOf(err)}`,
        err,
      );
    }
  };
}
