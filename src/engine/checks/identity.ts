/**
 * Keyless identities for Sigstore bundles, matched with the same meaning as
 * for cosign signatures (Kyverno's): `subject` and `issuer` are wildcard
 * patterns, the `RegExp` forms match anywhere (Go's MatchString); either subject form may
 * match, while both issuer forms must (none given: any issuer, as in
 * Kyverno). The bundle verifier checks the
 * certificate against the trusted root; the identity is matched here.
 */
import type { CertificateSigner } from "../../verify/bundle/index.ts";
import { type IdentityPolicy, wildcardMatch } from "../../verify/cosign/index.ts";
import { policyRegExp } from "../../verify/match.ts";
import { checkError } from "./errors.ts";

export interface IdentityMatcher {
  subject(value: string): boolean;
  issuer(value: string): boolean;
  describe(): string;
}

/** Throws `POLICY_INVALID` for an identity that names no subject, or that bundles cannot check. */
export function identityMatcher(identity: IdentityPolicy): IdentityMatcher {
  const { subject, subjectRegExp, issuer, issuerRegExp } = identity;
  if (!subject && !subjectRegExp)
    throw checkError("POLICY_INVALID", "the keyless identity names no subject");
  if (!issuer && !issuerRegExp)
    throw checkError("POLICY_INVALID", "the keyless identity names no issuer");
  if (Object.keys(identity.additionalExtensions ?? {}).length > 0) {
    throw checkError(
      "POLICY_INVALID",
      "Sigstore bundles are not checked against additionalExtensions",
    );
  }
  const subjectPattern = subjectRegExp ? policyRegExp(subjectRegExp, "subjectRegExp") : undefined;
  const issuerPattern = issuerRegExp ? policyRegExp(issuerRegExp, "issuerRegExp") : undefined;
  return {
    subject: (value) =>
      (!!subject && wildcardMatch(subject, value)) || (subjectPattern?.test(value) ?? false),
    issuer: (value) =>
      (!issuer || wildcardMatch(issuer, value)) && (issuerPattern?.test(value) ?? true),
    describe: () =>
      [
        subject && `subject ${JSON.stringify(subject)}`,
        subjectRegExp && `subject matching /${subjectRegExp}/`,
        issuer && `issuer ${JSON.stringify(issuer)}`,
        issuerRegExp && `issuer matching /${issuerRegExp}/`,
      ]
        .filter(Boolean)
        .join(", "),
  };
}

/** Throws `IDENTITY_MISMATCH` unless `signer` is one the matcher accepts. */
export function assertIdentity(matcher: IdentityMatcher, signer: CertificateSigner): void {
  if (matcher.subject(signer.subject) && matcher.issuer(signer.issuer)) return;
  throw checkError(
    "IDENTITY_MISMATCH",
    `certificate identity ${JSON.stringify(signer.subject)} issued by ${JSON.stringify(signer.issuer)} does not match the policy (${matcher.describe()})`,
  );
}
