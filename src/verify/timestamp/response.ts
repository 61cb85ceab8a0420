/**
 * RFC 3161 section 2.4.2 TimeStampResp: what a TSA answers, a status and,
 * when it granted the request, the token. cosign stores the whole response
 * (its `SignedRFC3161Timestamp`), Notary and Sigstore bundles the token alone.
 */
import { reasonOf } from "../../errors.ts";
import { Asn1Reader, TAG } from "./asn1.ts";
import { timestampError } from "./errors.ts";

/** PKIStatus granted (0) and grantedWithMods (1); every other status carries no token. */
const GRANTED = new Set([0, 1]);

/** The DER TimeStampToken of a granted response; `TIMESTAMP_INVALID` for anything else. */
export function tokenOfResponse(bytes: Uint8Array, what = "timestamp"): Uint8Array {
  try {
    const reader: Asn1Reader = new Asn1Reader(bytes, "timestamp response");
    const [statusInfo, token, ...extra] = reader.parts(reader.single(), TAG.SEQUENCE, 1);
    if (extra.length > 0) reader.fail("more than a status and a token");
    const [status] = reader.parts(statusInfo, TAG.SEQUENCE, 1);
    const code = reader.smallInteger(reader.expect(status, TAG.INTEGER));
    if (!GRANTED.has(code)) reader.fail(`the TSA did not grant the request (status ${code})`);
    if (token === undefined) reader.fail("a granted response without a token");
    return Uint8Array.from(reader.raw(reader.expect(token, TAG.SEQUENCE)));
  } catch (err) {
    throw timestampError(
      "TIMESTAMP_INVALID",
      `the ${what} is not a granted DER RFC 3161 response: ${reasonOf(err)}`,
      err,
    );
  }
}
