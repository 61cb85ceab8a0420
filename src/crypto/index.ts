/**
 * imgverify's cryptographic layer: public keys, signatures, X.509 certificates
 * and chains. No I/O: bytes and trust material in, results or
 * `ImgverifyError<CryptoErrorCode>` out. Runs unchanged on Node, Bun, Deno and
 * workerd: WebCrypto first, @noble/curves where WebCrypto lacks a curve.
 */

export { bytesEqual, bytesEqualConstantTime } from "./bytes.ts";
export { type DerElement, DerReader } from "./der.ts";
export type { CryptoErrorCode } from "./errors.ts";
export type { HashName } from "./hash.ts";
export { encodePem, MAX_PEM_BLOCKS } from "./pem.ts";
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
export { ecdsaP1363ToDer } from "./signature/ecdsa-signature.ts";
export {
  createSignatureEngine,
  defaultSignatureEngine,
  type RsaPadding,
  type SignatureEngine,
  type SignatureEngineOptions,
  type VerifyRequest,
} from "./signature/engine.ts";
export type {
  CertificateSignatureAlgorithm,
  SignatureCheck,
} from "./signature/signature-algorithm.ts";
export {
  type EcdsaSignatureFormat,
  type VerifyOptions,
  verifySignature,
} from "./signature/verify-signature.ts";
export { Certificate, parseCertificate, parseCertificates } from "./x509/certificate.ts";
export { verifyCertificateSignature } from "./x509/certificate-signature.ts";
export {
  type ChainOptions,
  DEFAULT_MAX_CHAIN_LENGTH,
  EKU_CODE_SIGNING,
  EKU_TIME_STAMPING,
  verifyChain,
} from "./x509/chain.ts";
export {
  type BasicConstraintsValue,
  type CertificateExtension,
  type KeyUsageName,
  OID_SCT_LIST,
  type SubjectAltName,
} from "./x509/extensions.ts";
export {
  FULCIO_OID_PREFIX,
  FULCIO_OTHERNAME_OID,
  type FulcioExtensionName,
  type FulcioExtensions,
} from "./x509/fulcio-extensions.ts";
export { type DistinguishedName, type NameAttribute, nameValues } from "./x509/name.ts";
export { precertificateTbs } from "./x509/precertificate.ts";
