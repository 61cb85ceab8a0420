/**
 * A policy's TSA chain (Kyverno `ctlog.tsaCertChain`) as one more timestamp
 * authority of the bundle verifier, which then checks a bundle's RFC 3161
 * timestamps against it as against the trusted root's. The chain is sorted
 * by the same `timestampTrust` cosign signatures use; `@sigstore/verify`
 * matches a token's signer with the first certificate of an authority's
 * chain, so the TSA's own certificate must be in it.
 */
import { X509Certificate } from "@sigstore/core";
import type { TrustMaterial } from "@sigstore/verify";
import { encodePem, parseCertificates } from "../../crypto/index.ts";
import { reasonOf } from "../../errors.ts";
import { timestampTrust } from "../timestamp/trust.ts";
import { bundleError } from "./errors.ts";

/** A timestamp authority as the library takes it (its type is not exported by name). */
export type TimestampAuthority = TrustMaterial["timestampAuthorities"][number];

/** Validity is each certificate's own, checked at the time stamped; the authority adds none. */
const ALWAYS = { start: new Date(0), end: new Date(8.64e15) };

export function policyTimestampAuthority(pem: string): TimestampAuthority {
  const what = "policy ctlog.tsaCertChain";
  let trust: ReturnType<typeof timestampTrust>;
  try {
    trust = timestampTrust(parseCertificates(pem, what));
  } catch (err) {
    throw bundleError("POLICY_INVALID", `${what}: ${reasonOf(err)}`, err);
  }
  if (trust.authority === undefined) {
    throw bundleError(
      "POLICY_INVALID",
      `${what}: Sigstore bundles are checked against the TSA's own certificate, and the chain holds only CAs; add the TSA's certificate`,
    );
  }
  const sorted = [trust.authority, ...trust.intermediates, ...trust.roots];
  return {
    certChain: sorted.map((cert) => X509Certificate.parse(encodePem("CERTIFICATE", cert.der))),
    validFor: ALWAYS,
  };
}
