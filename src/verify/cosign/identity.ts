/**
 * The keyless identity checks Kyverno makes on a Fulcio certificate: its
 * subject alternative names, its OIDC issuer and any further Fulcio
 * extensions. Unset fields are not checked, as in Kyverno.
 */
import {
  type Certificate,
  FULCIO_OTHERNAME_OID,
  type FulcioExtensionName,
} from "../../crypto/index.ts";
import type { GoRegExp } from "../go-regexp.ts";
import { policyRegExp, wildcardMatch } from "../match.ts";
import { cosignError } from "./errors.ts";

export interface IdentityPolicy {
  /**
   * A Kyverno wildcard pattern (`*` any run, `?` one character) some subject
   * alternative name must match whole; without wildcards it is an exact name.
   * Given with `subjectRegExp`, either one matching suffices (as in Kyverno).
   */
  subject?: string;
  /** A regular expression matching some subject alternative name (anywhere in it, as Go's MatchString). */
  subjectRegExp?: string;
  /** A wildcard pattern the OIDC issuer must match (Fulcio extension .8, else .1). */
  issuer?: string;
  /** A regular expression matching the OIDC issuer (anywhere in it); checked as well as `issuer`. */
  issuerRegExp?: string;
  /**
   * Fulcio extensions by cosign name (`githubWorkflowRepository`, ...), by
   * their OIDs 1.3.6.1.4.1.57264.1.1-6, or by the newer names
   * (`sourceRepositoryURI`, ...), each to a wildcard pattern its value must match.
   */
  additionalExtensions?: Readonly<Record<string, string>>;
}

export interface RequiredExtension {
  /** As the policy wrote it. */
  readonly key: string;
  readonly name: FulcioExtensionName;
  readonly pattern: string;
}

export interface PreparedIdentity {
  readonly subject: string | undefined;
  readonly subjectRegExp: GoRegExp | undefined;
  readonly issuer: string | undefined;
  readonly issuerRegExp: GoRegExp | undefined;
  readonly extensions: readonly RequiredExtension[];
}

/** Kyverno's names and OIDs for the first Fulcio extensions. */
const COSIGN_EXTENSION_KEYS: Readonly<Record<string, FulcioExtensionName>> = {
  oidcIssuer: "issuer",
  "1.3.6.1.4.1.57264.1.1": "issuer",
  "1.3.6.1.4.1.57264.1.2": "githubWorkflowTrigger",
  "1.3.6.1.4.1.57264.1.3": "githubWorkflowSha",
  "1.3.6.1.4.1.57264.1.4": "githubWorkflowName",
  "1.3.6.1.4.1.57264.1.5": "githubWorkflowRepository",
  "1.3.6.1.4.1.57264.1.6": "githubWorkflowRef",
};

const EXTENSION_NAMES: ReadonlySet<string> = new Set<FulcioExtensionName>([
  "issuer",
  "githubWorkflowTrigger",
  "githubWorkflowSha",
  "githubWorkflowName",
  "githubWorkflowRepository",
  "githubWorkflowRef",
  "buildSignerURI",
  "buildSignerDigest",
  "runnerEnvironment",
  "sourceRepositoryURI",
  "sourceRepositoryDigest",
  "sourceRepositoryRef",
  "sourceRepositoryIdentifier",
  "sourceRepositoryOwnerURI",
  "sourceRepositoryOwnerIdentifier",
  "buildConfigURI",
  "buildConfigDigest",
  "buildTrigger",
  "runInvocationURI",
  "sourceRepositoryVisibilityAtSigning",
]);

export function prepareIdentity(policy: IdentityPolicy): PreparedIdentity {
  const extensions = Object.entries(policy.additionalExtensions ?? {}).map(([key, pattern]) => {
    const name = COSIGN_EXTENSION_KEYS[key] ?? (EXTENSION_NAMES.has(key) ? key : undefined);
    if (name === undefined || typeof pattern !== "string") {
      throw cosignError(
        "POLICY_INVALID",
        `additionalExtensions ${JSON.stringify(key)}: not a Fulcio extension name with a string value`,
      );
    }
    return { key, name: name as FulcioExtensionName, pattern };
  });
  return {
    subject: policy.subject || undefined,
    subjectRegExp: policy.subjectRegExp
      ? policyRegExp(policy.subjectRegExp, "subjectRegExp")
      : undefined,
    issuer: policy.issuer || undefined,
    issuerRegExp: policy.issuerRegExp
      ? policyRegExp(policy.issuerRegExp, "issuerRegExp")
      : undefined,
    extensions,
  };
}

/** The subject alternative names identities are matched against, as cosign lists them. */
export function certificateSubjects(cert: Certificate): string[] {
  return cert.subjectAltNames.flatMap((san) => {
    if (san.type !== "otherName") return [san.value];
    return san.typeId === FULCIO_OTHERNAME_OID && san.value !== undefined ? [san.value] : [];
  });
}

/** Throws `IDENTITY_MISMATCH`, `ISSUER_MISMATCH` or `EXTENSION_MISMATCH` unless `cert` satisfies `identity`. */
export function assertIdentity(cert: Certificate, identity: PreparedIdentity): void {
  const { subject, subjectRegExp, issuer, issuerRegExp } = identity;
  if (subject !== undefined || subjectRegExp !== undefined) {
    const subjects = certificateSubjects(cert);
    const matched = subjects.some(
      (name) =>
        (subject !== undefined && wildcardMatch(subject, name)) ||
        subjectRegExp?.test(name) === true,
    );
    if (!matched) {
      const wanted = [subject, subjectRegExp && `/${subjectRegExp.source}/`]
        .filter(Boolean)
        .join(" or ");
      throw cosignError(
        "IDENTITY_MISMATCH",
        `certificate subject ${subjects.length === 0 ? "(none)" : subjects.map((s) => JSON.stringify(s)).join(", ")} does not match ${wanted}`,
      );
    }
  }
  const found = cert.fulcio.issuer ?? "";
  if (issuer !== undefined && !wildcardMatch(issuer, found)) {
    throw cosignError(
      "ISSUER_MISMATCH",
      `certificate OIDC issuer ${JSON.stringify(found)} is not ${JSON.stringify(issuer)}`,
    );
  }
  if (issuerRegExp !== undefined && !issuerRegExp.test(found)) {
    throw cosignError(
      "ISSUER_MISMATCH",
      `certificate OIDC issuer ${JSON.stringify(found)} does not match /${issuerRegExp.source}/`,
    );
  }
  for (const { key, name, pattern } of identity.extensions) {
    const value = cert.fulcio[name];
    if (!wildcardMatch(pattern, value ?? "")) {
      throw cosignError(
        "EXTENSION_MISMATCH",
        `certificate extension ${key}: expected ${JSON.stringify(pattern)}, found ${value === undefined ? "none" : JSON.stringify(value)}`,
      );
    }
  }
}
