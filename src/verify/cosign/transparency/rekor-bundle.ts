/**
 * The Rekor bundle cosign attaches to a layer (`dev.sigstore.cosign/bundle`):
 * the log entry and its Signed Entry Timestamp, Rekor's signature over the
 * canonical JSON of `{body, integratedTime, logID, logIndex}`. A verified SET
 * proves the entry was logged at `integratedTime`, checked offline with the
 * log's key.
 */

import { verifySignature } from "../../../crypto/index.ts";
import { reasonOf } from "../../../errors.ts";
import { canonicalJson, decodeBase64, isObject, parseJson } from "../encoding.ts";
import { cosignError } from "../errors.ts";
import { type LogKey, withinRange } from "../trusted-root.ts";

export interface RekorBundle {
  readonly signedEntryTimestamp: Uint8Array;
  /** Base64 of the entry's JSON. */
  readonly body: string;
  /** Seconds since the epoch. */
  readonly integratedTime: number;
  readonly logIndex: number;
  /** Lower-case hex of the log's ID. */
  readonly logId: string;
}

const MAX_BUNDLE_CHARS = 1024 * 1024;

export function parseRekorBundle(text: string): RekorBundle {
  const json = parseJson(text, "Rekor bundle annotation", "TLOG_INVALID", MAX_BUNDLE_CHARS);
  const payload = isObject(json) && isObject(json.Payload) ? json.Payload : undefined;
  const set = isObject(json) ? json.SignedEntryTimestamp : undefined;
  const problems: string[] = [];
  if (typeof set !== "string") problems.push("SignedEntryTimestamp is not a string");
  if (typeof payload?.body !== "string") problems.push("Payload.body is not a string");
  for (const field of ["integratedTime", "logIndex"] as const) {
    const value = payload?.[field];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      problems.push(`Payload.${field} is not a non-negative integer`);
    }
  }
  if (typeof payload?.logID !== "string" || !/^[0-9a-f]{64}$/.test(payload.logID)) {
    problems.push("Payload.logID is not 64 lower-case hex digits");
  }
  if (problems.length > 0 || payload === undefined) {
    throw cosignError(
      "TLOG_INVALID",
      `Rekor bundle annotation is malformed: ${problems.join("; ")}`,
    );
  }
  return {
    signedEntryTimestamp: decodeBase64(set as string, "SignedEntryTimestamp", "TLOG_INVALID"),
    body: payload.body as string,
    integratedTime: payload.integratedTime as number,
    logIndex: payload.logIndex as number,
    logId: payload.logID as string,
  };
}

/** Checks the SET with the trusted log `bundle` names; returns that log. */
export async function verifySignedEntryTimestamp(
  bundle: RekorBundle,
  logs: readonly LogKey[],
): Promise<LogKey> {
  const log = logs.find((candidate) => candidate.logId === bundle.logId);
  if (log === undefined) {
    throw cosignError(
      "TLOG_INVALID",
      `Rekor bundle names log ${bundle.logId}, which is not a trusted Rekor log`,
    );
  }
  const integrated = new Date(bundle.integratedTime * 1000);
  if (!withinRange(log.validFor, integrated)) {
    throw cosignError(
      "TLOG_INVALID",
      `Rekor log ${log.name} was not trusted at the entry's integrated time ${integrated.toISOString()}`,
    );
  }
  const signed = new TextEncoder().encode(
    canonicalJson({
      body: bundle.body,
      integratedTime: bundle.integratedTime,
      logIndex: bundle.logIndex,
      logID: bundle.logId,
    }),
  );
  let valid: boolean;
  try {
    valid = await verifySignature(log.key, signed, bundle.signedEntryTimestamp, { hash: "sha256" });
  } catch (err) {
    throw cosignError(
      "TLOG_INVALID",
      `Rekor SignedEntryTimestamp is malformed: ${reasonOf(err)}`,
      err,
    );
  }
  if (!valid) {
    throw cosignError(
      "TLOG_INVALID",
      `Rekor SignedEntryTimestamp does not verify with the key of log ${log.name} (entry ${bundle.logIndex})`,
    );
  }
  return log;
}
