/**
 * Fulcio's certificate extensions (OIDs 1.3.6.1.4.1.57264.1.*), decoded to the
 * names Kyverno's keyless `additionalExtensions` and cosign use. The first six
 * hold their value as raw bytes (deprecated); from .8 on each is a DER string.
 */
import { DerReader } from "../der.ts";
import { cryptoError } from "../errors.ts";
import type { CertificateExtension } from "./extensions.ts";

export const FULCIO_OID_PREFIX = "1.3.6.1.4.1.57264.1.";
/** The otherName type Fulcio puts usernames under in the SubjectAltName. */
export const FULCIO_OTHERNAME_OID = "1.3.6.1.4.1.57264.1.7";

const RAW_VALUED = {
  1: "issuer",
  2: "githubWorkflowTrigger",
  3: "githubWorkflowSha",
  4: "githubWorkflowName",
  5: "githubWorkflowRepository",
  6: "githubWorkflowRef",
} as const;

const DER_VALUED = {
  8: "issuer",
  9: "buildSignerURI",
  10: "buildSignerDigest",
  11: "runnerEnvironment",
  12: "sourceRepositoryURI",
  13: "sourceRepositoryDigest",
  14: "sourceRepositoryRef",
  15: "sourceRepositoryIdentifier",
  16: "sourceRepositoryOwnerURI",
  17: "sourceRepositoryOwnerIdentifier",
  18: "buildConfigURI",
  19: "buildConfigDigest",
  20: "buildTrigger",
  21: "runInvocationURI",
  22: "sourceRepositoryVisibilityAtSigning",
} as const;

export type FulcioExtensionName =
  | (typeof RAW_VALUED)[keyof typeof RAW_VALUED]
  | (typeof DER_VALUED)[keyof typeof DER_VALUED];

export type FulcioExtensions = Partial<Record<FulcioExtensionName, string>>;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The Fulcio extensions present. `issuer` comes from the DER-encoded .8 when
 * present, else from the deprecated .1. Unknown arcs are left to `extensions`.
 */
export function decodeFulcioExtensions(
  extensions: readonly CertificateExtension[],
  what: string,
): FulcioExtensions {
  const out: FulcioExtensions = {};
  let issuerV1: string | undefined;
  for (const { oid, value } of extensions) {
    if (!oid.startsWith(FULCIO_OID_PREFIX)) continue;
    const arc = Number(oid.slice(FULCIO_OID_PREFIX.length));
    const where = `${what}: Fulcio extension ${oid}`;
    if (Object.hasOwn(RAW_VALUED, arc)) {
      let text: string;
      try {
        text = utf8.decode(value);
      } catch (err) {
        throw cryptoError("CERT_INVALID", `${where}: value is not UTF-8`, err);
      }
      if (arc === 1) issuerV1 = text;
      else out[RAW_VALUED[arc as keyof typeof RAW_VALUED]] = text;
    } else if (Object.hasOwn(DER_VALUED, arc)) {
      const reader = new DerReader(value, "CERT_INVALID", where);
      out[DER_VALUED[arc as keyof typeof DER_VALUED]] = reader.string(reader.single());
    }
  }
  if (out.issuer === undefined && issuerV1 !== undefined) out.issuer = issuerV1;
  return out;
}
