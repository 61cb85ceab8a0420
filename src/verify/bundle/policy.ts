/**
 * Who may have signed: a managed public key, or a keyless identity (the
 * certificate's subject alternative name and OIDC issuer). Identities are
 * matched here rather than by `@sigstore/verify`, which treats a plain
 * identity as a regular expression: an exact one is compared exactly, a
 * pattern matched as Go's MatchString, as cosign does.
 */
import { crypto } from "@sigstore/core";
import type { KeyFinderFunc } from "@sigstore/verify";
import { policyRegExp } from "../match.ts";
import { bundleError } from "./errors.ts";

export interface IdentityPolicy {
  /** The exact subject alternative name (e-mail, URI or other name). */
  subject?: string;
  /** A regular expression matching the subject (anywhere in it, as cosign). */
  subjectRegExp?: string;
  /** The exact OIDC issuer recorded by Fulcio. */
  issuer?: string;
  /** A regular expression matching the issuer (anywhere in it, as cosign). */
  issuerRegExp?: string;
}

export type BundlePolicy = { key: string } | { identity: IdentityPolicy };

export interface CertificateSigner {
  kind: "certificate";
  subject: string;
  issuer: string;
}

/** Throws `IDENTITY_MISMATCH` unless the signer's subject and issuer satisfy `policy`. */
export function assertIdentity(policy: IdentityPolicy, signer: CertificateSigner): void {
  const subjectOk = matches(signer.subject, policy.subject, policy.subjectRegExp, "subjectRegExp");
  const issuerOk = matches(signer.issuer, policy.issuer, policy.issuerRegExp, "issuerRegExp");
  if (!subjectOk || !issuerOk) {
    throw bundleError(
      "IDENTITY_MISMATCH",
      `certificate identity ${JSON.stringify(signer.subject)} issued by ${JSON.stringify(signer.issuer)}` +
        ` does not match the policy (${describeIdentity(policy)})`,
    );
  }
}

/** Rejects a policy that would accept any subject or any issuer. */
export function assertIdentityPolicyUsable(policy: IdentityPolicy): void {
  const missing: string[] = [];
  if (policy.subject === undefined && policy.subjectRegExp === undefined) missing.push("subject");
  if (policy.issuer === undefined && policy.issuerRegExp === undefined) missing.push("issuer");
  if (missing.length > 0) {
    throw bundleError("POLICY_INVALID", `identity policy names no ${missing.join(" and no ")}`);
  }
  if (policy.subjectRegExp !== undefined) policyRegExp(policy.subjectRegExp, "subjectRegExp");
  if (policy.issuerRegExp !== undefined) policyRegExp(policy.issuerRegExp, "issuerRegExp");
}

/** A key finder that answers every hint with the policy's key: the policy, not the bundle, picks the key. */
export function policyKeyFinder(pem: string): KeyFinderFunc {
  let publicKey: crypto.KeyObject;
  try {
    publicKey = crypto.createPublicKey(pem);
  } catch (err) {
    throw bundleError("POLICY_INVALID", "policy public key is not a PEM public key", err);
  }
  return () => ({ publicKey, validFor: () => true });
}

function matches(
  value: string,
  exact: string | undefined,
  pattern: string | undefined,
  what: string,
): boolean {
  if (exact !== undefined && value !== exact) return false;
  return pattern === undefined || policyRegExp(pattern, what).test(value);
}

function describeIdentity(policy: IdentityPolicy): string {
  const parts = [
    policy.subject !== undefined && `subject ${JSON.stringify(policy.subject)}`,
    policy.subjectRegExp !== undefined && `subject matching /${policy.subjectRegExp}/`,
    policy.issuer !== undefined && `issuer ${JSON.stringify(policy.issuer)}`,
    policy.issuerRegExp !== undefined && `issuer matching /${policy.issuerRegExp}/`,
  ];
  return parts.filter(Boolean).join(", ");
}
