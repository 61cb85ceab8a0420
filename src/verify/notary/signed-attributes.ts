/**
 * The rules for the signed (protected) attributes that JWS and COSE share:
 * content type, signing scheme, the times that go with the scheme, and `crit`.
 * Each format decodes its own header encoding into a `ProtectedHeaderView`.
 */

import { PAYLOAD_MEDIA_TYPE, type SignedAttributes, type SigningScheme } from "./envelope.ts";
import { notaryError } from "./errors.ts";

const SIGNING_SCHEME = "io.cncf.notary.signingScheme";
const SIGNING_TIME = "io.cncf.notary.signingTime";
const AUTHENTIC_SIGNING_TIME = "io.cncf.notary.authenticSigningTime";
const EXPIRY = "io.cncf.notary.expiry";

const SCHEMES: readonly SigningScheme[] = ["notary.x509", "notary.x509.signingAuthority"];
/** Critical headers this verifier processes; any other critical header fails verification. */
const PROCESSED_CRITICAL = new Set<string | number>([
  SIGNING_SCHEME,
  AUTHENTIC_SIGNING_TIME,
  EXPIRY,
]);
const MAX_CRITICAL = 16;

export interface ProtectedHeaderView {
  /** "JWS protected header" or "COSE protected header", for messages. */
  readonly where: string;
  readonly contentType: unknown;
  /** The `crit` value as found (absent: undefined). */
  readonly critical: unknown;
  /** Whether the protected header has a parameter with this name or label. */
  has(name: string | number): boolean;
  /** A Notary parameter's value as found (absent: undefined). */
  get(name: string): unknown;
  /** A Notary time parameter in the format's encoding (RFC 3339 text, CBOR tag 1); absent: undefined. */
  time(name: string): Date | undefined;
}

export function signedAttributes(view: ProtectedHeaderView): SignedAttributes {
  const { where } = view;
  const signingTime = view.time(SIGNING_TIME);
  const authenticSigningTime = view.time(AUTHENTIC_SIGNING_TIME);
  const expiry = view.time(EXPIRY);
  const invalid = (reason: string) => notaryError("ENVELOPE_INVALID", `${where}: ${reason}`);
  if (typeof view.contentType !== "string") throw invalid("content type is missing");
  if (view.contentType !== PAYLOAD_MEDIA_TYPE) {
    throw notaryError(
      "ENVELOPE_UNSUPPORTED",
      `${where}: payload content type "${view.contentType}" is not supported; expected ${PAYLOAD_MEDIA_TYPE}`,
    );
  }
  const scheme = signingSchemeOf(view.get(SIGNING_SCHEME), where);
  // Each scheme has its own time header and must not carry the other's.
  const [own, other, ownName, otherName] =
    scheme === "notary.x509"
      ? [signingTime, authenticSigningTime, SIGNING_TIME, AUTHENTIC_SIGNING_TIME]
      : [authenticSigningTime, signingTime, AUTHENTIC_SIGNING_TIME, SIGNING_TIME];
  if (own === undefined) throw invalid(`${ownName} is required with signing scheme ${scheme}`);
  if (other !== undefined)
    throw invalid(`${otherName} is not allowed with signing scheme ${scheme}`);
  const mustBeCritical = [SIGNING_SCHEME];
  if (expiry !== undefined) mustBeCritical.push(EXPIRY);
  if (scheme === "notary.x509.signingAuthority") mustBeCritical.push(AUTHENTIC_SIGNING_TIME);
  checkCritical(view, mustBeCritical);
  return { signingScheme: scheme, signingTime: own, expiry };
}

function signingSchemeOf(value: unknown, where: string): SigningScheme {
  if (typeof value !== "string") {
    throw notaryError("ENVELOPE_INVALID", `${where}: ${SIGNING_SCHEME} is missing`);
  }
  const scheme = SCHEMES.find((known) => known === value);
  if (scheme === undefined) {
    throw notaryError(
      "ENVELOPE_UNSUPPORTED",
      `${where}: signing scheme "${value}" is not supported; expected ${SCHEMES.join(" or ")}`,
    );
  }
  return scheme;
}

function checkCritical(view: ProtectedHeaderView, mustBeCritical: readonly string[]): void {
  const { where, critical } = view;
  const invalid = (reason: string) => notaryError("ENVELOPE_INVALID", `${where}: ${reason}`);
  if (!Array.isArray(critical) || critical.length === 0) {
    throw invalid("crit is missing or empty; it must list io.cncf.notary.signingScheme");
  }
  if (critical.length > MAX_CRITICAL) throw invalid(`crit lists more than ${MAX_CRITICAL} headers`);
  const seen = new Set<string | number>();
  for (const name of critical) {
    if (typeof name !== "string" && typeof name !== "number") {
      throw invalid("crit entries must be header names");
    }
    if (seen.has(name)) throw invalid(`crit lists ${JSON.stringify(name)} twice`);
    seen.add(name);
    if (!view.has(name)) {
      throw invalid(`${JSON.stringify(name)} is marked critical but is not present`);
    }
    if (!PROCESSED_CRITICAL.has(name)) {
      throw notaryError(
        "CRITICAL_HEADER_UNSUPPORTED",
        `${where}: critical header ${JSON.stringify(name)} is not one imgverify processes` +
          " (signatures that need a verification plugin cannot be verified here)",
      );
    }
  }
  const missing = mustBeCritical.filter((name) => !seen.has(name));
  if (missing.length > 0) throw invalid(`${missing.join(", ")} must be marked critical`);
}
