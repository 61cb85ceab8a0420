/**
 * imgverify's cryptographic layer: public keys, signatures, X.509 certificates
 * and chains. No I/O: bytes and trust material in, results or
 * `ImgverifyError<CryptoErrorCode>` out. Runs unchanged on Node, Bun, Deno and
 * workerd: WebCrypto first, @noble/curves where WebCrypto lacks a curve.
 */

export { bytesEqual, bytesEqualConstantTime } from "./bytes.ts";
export { Certificate, parseCertificate, parseCertificates } from "./certificate.ts";
export { verifyCertificateSignature } from "./certificate-signature.ts";
export {
  type ChainOptions,
  DEFAULT_MAX_CHAIN_LENGTH,
  EKU_CODE_SIGNING,
  EKU_TIME_STAMPING,
  verifyChain,
} from "./chain.ts";
export { type DerElement, DerReader } from "./der.ts";
export { ecdsaP1363ToDer } from "./ecdsa-signature.ts";
export {
  createSignatureEngine,
  defaultSignatureEngine,
  type RsaPadding,
  type SignatureEngine,
  type SignatureEngineOptions,
  type VerifyRequest,
} from "./engine.ts";
export type { CryptoError, CryptoErrorCode } from "./errors.ts";
export {
  type BasicConstraintsValue,
  type CertificateExtension,
  type KeyUsageName,
  OID_SCT_LIST,
  type SubjectAltName,
} from "./extensions.ts";
export {
  FULCIO_OID_PREFIX,
  FULCIO_OTHERNAME_OID,
  type FulcioExtensionName,
  type FulcioExtensions,
} from "./fulcio-extensions.ts";
export type { HashName } from "./hash.ts";
export { type DistinguishedName, type NameAttribute, nameValues } from "./name.ts";
export { encodePem, MAX_PEM_BLOCKS } from "./pem.ts";
export { precertificateTbs } from "./precertificate.ts";
export {
  describePublicKey,
  type EcCurve,
  type EcdsaPublicKey,
  type Ed25519PublicKey,
  type PublicKey,
  type PublicKeyKind,
  parsePublicKeySpki,
  publicKeyId,
  RSA_MAX_BITS,
  RSA_MIN_BITS,
  type RsaPublicKey,
} from "./public-key.ts";
export { parsePublicKeyPem, parsePublicKeysPem } from "./public-key-pem.ts";
export type { CertificateSignatureAlgorithm, SignatureCheck } from "./signature-algorithm.ts";
export {
  type EcdsaSignatureFormat,
  type VerifyOptions,
  verifySignature,
} from "./verify-signature.ts";
