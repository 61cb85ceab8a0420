import { type CodedErrorFactory, codedError } from "../../errors.ts";

/**
 * How an RFC 3161 timestamp fails. The codes are the ones the Notary
 * verifier has always reported, so a caller may pass them through as they are.
 */
export type TimestampErrorCode =
  /** Not a DER TimeStampToken, not over the stamped bytes, or its signature does not verify. */
  | "TIMESTAMP_INVALID"
  /** The TSA's certificate does not chain to a trusted timestamping certificate at the time stamped. */
  | "TIMESTAMP_UNTRUSTED";

export const timestampError: CodedErrorFactory<TimestampErrorCode> = codedError;
