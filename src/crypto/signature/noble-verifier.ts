/**
 * The fallback for runtimes whose WebCrypto lacks a curve: @noble/curves, set
 * to accept what WebCrypto accepts (high-S ECDSA signatures, any hash with any
 * curve) and to check Ed25519 by RFC 8032 rather than ZIP-215. Points were
 * checked when the key was parsed. It has no RSA.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { cryptoError } from "../errors.ts";
import { ECDSA_CURVES } from "../points.ts";
import { describePublicKey } from "../public-key.ts";
import type { VerifyRequest } from "./verify-request.ts";

export function nobleVerify(request: VerifyRequest): boolean {
  const { key, data, signature } = request;
  switch (key.kind) {
    case "ecdsa":
      return ECDSA_CURVES[key.curve].verify(signature, request.hash.digest(data), key.point, {
        prehash: false,
        lowS: false,
        format: "compact",
      });
    case "ed25519":
      return ed25519.verify(signature, data, key.point, { zip215: false });
    case "rsa":
      throw cryptoError(
        "ALGORITHM_UNSUPPORTED",
        `${describePublicKey(key)}: this runtime's WebCrypto has no ${request.rsaPadding === "pss" ? "RSA-PSS" : "RSASSA-PKCS1-v1_5"}, and there is no RSA fallback`,
      );
  }
}
