/**
 * The "authentic timestamp" step of notation's verification: at which time
 * the certificates must have been valid. notary.x509 without timestamp
 * certificates: now (a countersignature is not checked). With them: a verified
 * RFC 3161 timestamp is required and the certificates must be valid all
 * through its accuracy window. signingAuthority: its authentic signing time,
 * which the chain was checked at already.
 */
import type { Certificate } from "../../crypto/index.ts";
import { type VerifiedTimestamp, verifyTimestamp } from "../timestamp/index.ts";
import { checkLeafProfile, checkValidity } from "./certificate-chain.ts";
import type { NotaryEnvelope } from "./envelope.ts";
import { notaryError } from "./errors.ts";

/** What a present countersignature amounted to. */
export type NotaryTimestampOutcome =
  | { readonly status: "absent" }
  | { readonly status: "not-verified"; readonly reason: string }
  | ({ readonly status: "verified" } & VerifiedTimestamp);

export async function authenticTime(
  envelope: NotaryEnvelope,
  chain: readonly Certificate[],
  timestampTrust: readonly Certificate[] | undefined,
  now: Date,
): Promise<NotaryTimestampOutcome> {
  const token = envelope.timestampToken;
  const { signingScheme, signingTime } = envelope.signedAttributes;
  if (signingScheme === "notary.x509.signingAuthority") {
    return token === undefined
      ? { status: "absent" }
      : { status: "not-verified", reason: "countersignatures are not used with signingAuthority" };
  }
  if (timestampTrust === undefined) {
    checkValidity(chain, now, "verification time");
    return token === undefined
      ? { status: "absent" }
      : {
          status: "not-verified",
          reason:
            "no timestamp certificates are configured; certificates were checked at the verification time",
        };
  }
  if (token === undefined) {
    throw notaryError(
      "TIMESTAMP_MISSING",
      "timestamp certificates are configured but the envelope has no timestamp countersignature",
    );
  }
  const stamped = await verifyTimestamp(token, envelope.signature, timestampTrust, {
    what: "timestamp countersignature",
    checkAuthority: (tsa) => checkLeafProfile(tsa, "timestamping"),
  });
  if (stamped.latest < signingTime) {
    throw notaryError(
      "TIMESTAMP_INVALID",
      `the timestamp ${stamped.time.toISOString()} is before the signing time ${signingTime.toISOString()}`,
    );
  }
  checkValidity(chain, stamped.earliest, "earliest timestamp time");
  checkValidity(chain, stamped.latest, "latest timestamp time");
  return { status: "verified", ...stamped };
}
