/**
 * Where signatures are checked: the runtime's WebCrypto first, @noble/curves
 * where WebCrypto lacks an algorithm. The choice is made per algorithm at its
 * first use, from what `subtle` itself answers (NotSupportedError), never from
 * which runtime this is.
 */
import { nobleVerify } from "./noble-verifier.ts";
import type { VerifyRequest } from "./verify-request.ts";
import { createWebCryptoVerifier } from "./webcrypto-verifier.ts";

export type { RsaPadding, VerifyRequest } from "./verify-request.ts";

export interface SignatureEngine {
  /** True when the signature is valid; coded errors for keys the backend cannot use. */
  verify(request: VerifyRequest): Promise<boolean>;
}

export interface SignatureEngineOptions {
  /**
   * The WebCrypto to use first. Default `globalThis.crypto.subtle`; `null`
   * means none, so every check runs on @noble/curves (RSA then fails).
   */
  subtle?: SubtleCrypto | null;
}

/** The algorithm as WebCrypto sees it: support is detected once per family. */
function familyOf(request: VerifyRequest): string {
  const { key } = request;
  switch (key.kind) {
    case "ecdsa":
      return `ECDSA ${key.curve}`;
    case "ed25519":
      return "Ed25519";
    case "rsa":
      return request.rsaPadding === "pss" ? "RSA-PSS" : "RSASSA-PKCS1-v1_5";
  }
}

export function createSignatureEngine(options: SignatureEngineOptions = {}): SignatureEngine {
  const subtle = options.subtle === undefined ? globalThis.crypto?.subtle : options.subtle;
  const webCrypto = subtle ? createWebCryptoVerifier(subtle) : undefined;
  const lacking = new Set<string>();
  return {
    async verify(request) {
      const family = familyOf(request);
      if (webCrypto !== undefined && !lacking.has(family)) {
        const outcome = await webCrypto(request);
        if (outcome !== "unsupported") return outcome;
        lacking.add(family);
      }
      return nobleVerify(request);
    },
  };
}

let shared: SignatureEngine | undefined;

/** The engine `verifySignature` uses unless told otherwise, made at first use. */
export function defaultSignatureEngine(): SignatureEngine {
  shared ??= createSignatureEngine();
  return shared;
}
