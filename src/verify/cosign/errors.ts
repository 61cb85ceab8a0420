import { type CodedErrorFactory, codedError } from "../../errors.ts";

/** Machine-readable codes of every way a classic cosign signature or attestation can fail. */
export type CosignErrorCode =
  /** The call's own arguments are unusable: an image digest that is not `sha256:<64 hex>`, a layer too large. */
  | "INPUT_INVALID"
  /** The policy is unusable: a bad PEM key or certificate, regular expression, hash or extension name. */
  | "POLICY_INVALID"
  /** The trusted root is malformed or incomplete. */
  | "TRUST_ROOT_INVALID"
  /** The simple-signing payload is not JSON of the expected shape. */
  | "PAYLOAD_INVALID"
  /** `critical.type` is not a cosign container image signature. */
  | "PAYLOAD_TYPE_INVALID"
  /** The payload signs another image: `critical.image.docker-manifest-digest` is not the image's digest. */
  | "PAYLOAD_DIGEST_MISMATCH"
  /** No signature: the signature annotation is absent or empty, or the envelope lists none. */
  | "SIGNATURE_MISSING"
  /** The signature is malformed or does not verify with any key the policy allows. */
  | "SIGNATURE_INVALID"
  /** The policy needs the signing certificate and the layer carries none. */
  | "CERTIFICATE_MISSING"
  /** The layer's certificate or chain annotation does not parse, or its key cannot be used. */
  | "CERTIFICATE_INVALID"
  /** The signing certificate is not the one the policy names. */
  | "CERTIFICATE_MISMATCH"
  /** A certificate of the chain is not valid at the signing time. */
  | "CERTIFICATE_EXPIRED"
  /** The signing certificate does not chain to a trusted root. */
  | "CHAIN_INVALID"
  /** No subject alternative name of the certificate matches the policy's subject. */
  | "IDENTITY_MISMATCH"
  /** The certificate's OIDC issuer does not match the policy's issuer. */
  | "ISSUER_MISMATCH"
  /** A Fulcio extension the policy requires is absent or has another value. */
  | "EXTENSION_MISMATCH"
  /** The transparency log is required and the layer carries no Rekor bundle. */
  | "TLOG_MISSING"
  /** The Rekor bundle is malformed, names an untrusted log, or its signed entry timestamp does not verify. */
  | "TLOG_INVALID"
  /** The logged entry is for another payload, signature or signer. */
  | "TLOG_BODY_MISMATCH"
  /** The RFC 3161 timestamp annotation is malformed, not over this signature, or its signature does not verify. */
  | "TIMESTAMP_INVALID"
  /** The timestamp's TSA does not chain to the policy's tsaCertChain at the time stamped. */
  | "TIMESTAMP_UNTRUSTED"
  /** SCTs are required and the certificate embeds none. */
  | "SCT_MISSING"
  /** No embedded SCT verifies with a trusted CT log, or one from a trusted log is forged. */
  | "SCT_INVALID"
  /** The attestation layer is not a well-formed DSSE envelope, or not an in-toto one. */
  | "ENVELOPE_INVALID"
  /** The DSSE payload is not a well-formed in-toto statement. */
  | "STATEMENT_INVALID"
  /** No subject of the in-toto statement carries the image's digest. */
  | "SUBJECT_MISMATCH";

export const cosignError: CodedErrorFactory<CosignErrorCode> = codedError;
