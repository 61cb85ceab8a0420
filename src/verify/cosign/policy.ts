/**
 * Who may have signed, in the terms of a Kyverno attestor: public keys
 * (`keys`), a given certificate or chain (`certificates`), or a keyless
 * Fulcio identity (`keyless`); plus its `rekor` and `ctlog` settings, the
 * latter with the RFC 3161 timestamp authority it trusts (`tsaCertChain`).
 * `prepareCosignPolicy` parses every key, certificate and pattern once and
 * rejects an unusable policy with `POLICY_INVALID` before any layer is read.
 */

import {
  type Certificate,
  type HashName,
  type PublicKey,
  parseCertificates,
  parsePublicKeysPem,
} from "../../crypto/index.ts";
import { reasonOf } from "../../errors.ts";
import { type TimestampTrust, timestampTrust } from "../timestamp/index.ts";
import { cosignError } from "./errors.ts";
import { type IdentityPolicy, type PreparedIdentity, prepareIdentity } from "./identity.ts";
import { type LogKey, logKeyOf } from "./trusted-root.ts";

export interface RekorOptions {
  /** Do not require or check a transparency log entry (Kyverno `rekor.ignoreTlog`). */
  ignoreTlog?: boolean;
  /** PEM public key(s) of the Rekor log, instead of the trusted root's `tlogs`. */
  pubKey?: string;
}

export interface CtlogOptions {
  /** Do not require or check embedded SCTs (Kyverno `ctlog.ignoreSCT`). */
  ignoreSCT?: boolean;
  /** PEM public key(s) of the CT log, instead of the trusted root's `ctlogs`. */
  pubKey?: string;
  /**
   * PEM chain of the timestamp authority (Kyverno `ctlog.tsaCertChain`): a
   * layer's RFC 3161 timestamp is verified with it, and certificates are
   * checked at the time it stamped.
   */
  tsaCertChain?: string;
}

interface PolicyCommon {
  rekor?: RekorOptions;
  ctlog?: CtlogOptions;
}

export interface KeyPolicy extends PolicyCommon {
  kind: "key";
  /** PEM public keys; a text may hold several blocks. Any one verifying suffices. */
  keys: string | readonly string[];
  /** The digest ECDSA and RSA signatures use (Kyverno `signatureAlgorithm`); default sha256. */
  signatureAlgorithm?: string;
}

export interface CertificatePolicy extends PolicyCommon {
  kind: "certificate";
  /** PEM (or base64 of PEM) of the one certificate that must have signed. */
  cert?: string;
  /** PEM chain, root last: `cert` must chain to it; without `cert`, the signing certificate must. */
  certChain?: string;
}

export interface KeylessPolicy extends PolicyCommon, IdentityPolicy {
  kind: "keyless";
  /** PEM roots to trust instead of the trusted root's Fulcio authorities. */
  roots?: string;
}

export type CosignPolicy = KeyPolicy | CertificatePolicy | KeylessPolicy;

export type PreparedSigner =
  | { readonly kind: "key"; readonly keys: readonly PublicKey[]; readonly hash: HashName }
  | {
      readonly kind: "certificate";
      readonly cert: Certificate | undefined;
      /** Root last. */
      readonly chain: readonly Certificate[] | undefined;
    }
  | {
      readonly kind: "keyless";
      readonly identity: PreparedIdentity;
      readonly roots: readonly Certificate[] | undefined;
    };

/** Whether a check runs, and with which log keys (undefined: the trusted root's). */
export type LogCheck =
  | { readonly required: false }
  | { readonly required: true; readonly keys: readonly LogKey[] | undefined };

export interface PreparedCosignPolicy {
  readonly prepared: true;
  readonly signer: PreparedSigner;
  readonly tlog: LogCheck;
  readonly sct: LogCheck;
  /** Set when the policy trusts a timestamp authority. */
  readonly tsa: TimestampTrust | undefined;
}

const HASHES: Readonly<Record<string, HashName>> = {
  "": "sha256",
  sha256: "sha256",
  sha384: "sha384",
  sha512: "sha512",
};
/** Kyverno's limit on a given chain: 10 intermediates and the root. */
const MAX_CHAIN_CERTIFICATES = 11;

/** Parses and checks `policy`; a policy already prepared is returned as it is. */
export function prepareCosignPolicy(
  policy: CosignPolicy | PreparedCosignPolicy,
): PreparedCosignPolicy {
  if (typeof policy !== "object" || policy === null) {
    throw cosignError("POLICY_INVALID", "the policy is not an object");
  }
  if ("prepared" in policy && policy.prepared === true) return policy;
  const input = policy as CosignPolicy;
  return {
    prepared: true,
    signer: preparedSigner(input),
    tlog: logCheck(input.rekor?.ignoreTlog, input.rekor?.pubKey, "rekor.pubKey"),
    sct: logCheck(input.ctlog?.ignoreSCT, input.ctlog?.pubKey, "ctlog.pubKey"),
    tsa: input.ctlog?.tsaCertChain ? tsaTrust(input.ctlog.tsaCertChain) : undefined,
  };
}

function tsaTrust(pem: string): TimestampTrust {
  const chain = certificates(pem, "ctlog.tsaCertChain");
  try {
    return timestampTrust(chain);
  } catch (err) {
    throw cosignError("POLICY_INVALID", `policy ctlog.tsaCertChain: ${reasonOf(err)}`, err);
  }
}

function preparedSigner(policy: CosignPolicy): PreparedSigner {
  switch (policy.kind) {
    case "key":
      return {
        kind: "key",
        keys: policyKeys(policy.keys),
        hash: hashOf(policy.signatureAlgorithm),
      };
    case "certificate": {
      if (!policy.cert && !policy.certChain) {
        throw cosignError("POLICY_INVALID", "certificate policy names neither cert nor certChain");
      }
      const chain = policy.certChain ? certificates(policy.certChain, "certChain") : undefined;
      if (chain !== undefined && chain.length > MAX_CHAIN_CERTIFICATES) {
        throw cosignError(
          "POLICY_INVALID",
          `certChain holds ${chain.length} certificates, more than ${MAX_CHAIN_CERTIFICATES}`,
        );
      }
      return {
        kind: "certificate",
        cert: policy.cert ? singleCertificate(policy.cert) : undefined,
        chain,
      };
    }
    case "keyless":
      return {
        kind: "keyless",
        identity: prepareIdentity(policy),
        roots: policy.roots ? certificates(policy.roots, "roots") : undefined,
      };
    default:
      throw cosignError(
        "POLICY_INVALID",
        `policy kind ${JSON.stringify((policy as { kind?: unknown }).kind)} is not key, certificate or keyless`,
      );
  }
}

function policyKeys(keys: string | readonly string[]): PublicKey[] {
  const texts = typeof keys === "string" ? [keys] : keys;
  if (!Array.isArray(texts) || texts.length === 0) {
    throw cosignError("POLICY_INVALID", "key policy names no public key");
  }
  return texts.flatMap((text, index) => {
    try {
      return parsePublicKeysPem(text);
    } catch (err) {
      throw cosignError(
        "POLICY_INVALID",
        `policy public key ${index + 1} is not a usable PEM public key (KMS and secret references must be resolved to PEM first): ${reasonOf(err)}`,
        err,
      );
    }
  });
}

function hashOf(signatureAlgorithm: string | undefined): HashName {
  const name = signatureAlgorithm ?? "";
  if (Object.hasOwn(HASHES, name)) return HASHES[name] as HashName;
  throw cosignError(
    "POLICY_INVALID",
    `signatureAlgorithm ${JSON.stringify(signatureAlgorithm)} is not supported; use sha256, sha384 or sha512 (WebCrypto has no sha224)`,
  );
}

function certificates(pem: string, what: string): Certificate[] {
  try {
    return parseCertificates(pem, `policy ${what}`);
  } catch (err) {
    throw cosignError(
      "POLICY_INVALID",
      `policy ${what} is not PEM certificates: ${reasonOf(err)}`,
      err,
    );
  }
}

/** Kyverno also takes the certificate's PEM base64-encoded once more. */
function singleCertificate(text: string): Certificate {
  const pem = text.includes("-----BEGIN") ? text : decodeOuterBase64(text);
  const found = certificates(pem, "cert");
  if (found.length !== 1) {
    throw cosignError(
      "POLICY_INVALID",
      `policy cert holds ${found.length} certificates, not one; give the chain as certChain`,
    );
  }
  return found[0] as Certificate;
}

function decodeOuterBase64(text: string): string {
  try {
    return atob(text.trim());
  } catch (err) {
    throw cosignError("POLICY_INVALID", "policy cert is neither PEM nor base64 of PEM", err);
  }
}

function logCheck(ignore: boolean | undefined, pubKey: string | undefined, what: string): LogCheck {
  if (ignore === true) return { required: false };
  if (!pubKey) return { required: true, keys: undefined };
  try {
    const keys = parsePublicKeysPem(pubKey).map((key, index) =>
      logKeyOf(key, `${what} ${index + 1}`),
    );
    return { required: true, keys };
  } catch (err) {
    throw cosignError("POLICY_INVALID", `${what} is not a PEM public key: ${reasonOf(err)}`, err);
  }
}
