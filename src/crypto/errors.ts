import { type CodedErrorFactory, codedError } from "../errors.ts";

/**
 * - `PEM_INVALID`: text that is not PEM, a block without its end line, bad base64, too many blocks.
 * - `KEY_INVALID`: a public key whose encoding is broken (SPKI structure, EC point, RSA numbers).
 * - `KEY_UNSUPPORTED`: a well-formed key of a kind imgverify does not verify with
 *   (DSA, secp256k1, compressed points, `EC PUBLIC KEY` blocks, RSA above 8192 bits).
 * - `KEY_TOO_SMALL`: an RSA key below 2048 bits.
 * - `SIGNATURE_MALFORMED`: a signature that cannot be one for this key (not strict DER, wrong length).
 * - `ALGORITHM_UNSUPPORTED`: a hash, padding or signature algorithm imgverify does not take,
 *   or one this runtime's WebCrypto lacks with no fallback (RSA).
 * - `CRYPTO_FAILURE`: the runtime's WebCrypto failed in a way that says nothing about the input.
 * - `CERT_INVALID`: a certificate that does not parse, or carries an extension imgverify cannot honour.
 * - `CHAIN_INVALID`: a certificate not signed by its issuer, an issuer that may not issue, a path too long.
 * - `CERT_EXPIRED` / `CERT_NOT_YET_VALID`: a certificate outside its validity at the time checked.
 * - `UNTRUSTED_ROOT`: no path from the certificate to any of the trusted roots.
 * - `CERT_USAGE_INVALID`: a certificate not allowed for the use asked (extended key usage).
 */
export type CryptoErrorCode =
  | "PEM_INVALID"
  | "KEY_INVALID"
  | "KEY_UNSUPPORTED"
  | "KEY_TOO_SMALL"
  | "SIGNATURE_MALFORMED"
  | "ALGORITHM_UNSUPPORTED"
  | "CRYPTO_FAILURE"
  | "CERT_INVALID"
  | "CHAIN_INVALID"
  | "CERT_EXPIRED"
  | "CERT_NOT_YET_VALID"
  | "UNTRUSTED_ROOT"
  | "CERT_USAGE_INVALID";

export const cryptoError: CodedErrorFactory<CryptoErrorCode> = codedError;
