/**
 * Notary Project JWS envelopes (`application/jose+json`): the flattened JWS
 * JSON serialization with exactly `payload`, `protected`, `header` and
 * `signature`. The signature is over ASCII(protected || "." || payload), the
 * two base64url strings exactly as they appear in the envelope.
 */

import { utcTime } from "../../time/calendar.ts";
import { algorithmFromJws } from "./algorithms.ts";
import { decodeBase64, decodeBase64Url } from "./base64.ts";
import { certificateList, type NotaryEnvelope } from "./envelope.ts";
import { notaryError } from "./errors.ts";
import { signedAttributes } from "./signed-attributes.ts";

const TOP_LEVEL = new Set(["payload", "protected", "header", "signature"]);
const TIMESTAMP_SIGNATURE = "io.cncf.notary.timestampSignature";
const SIGNING_AGENT = "io.cncf.notary.signingAgent";
/** RFC 3339 date-time; ranges are checked after the match. */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

const utf8 = new TextDecoder("utf-8", { fatal: true });
const ascii = new TextEncoder();

type JsonObject = Record<string, unknown>;

function jsonObject(bytes: Uint8Array, what: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (err) {
    throw notaryError("ENVELOPE_INVALID", `${what} is not UTF-8 JSON`, err);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw notaryError("ENVELOPE_INVALID", `${what} is not a JSON object`);
  }
  return value as JsonObject;
}

export function parseJwsEnvelope(bytes: Uint8Array): NotaryEnvelope {
  const envelope = jsonObject(bytes, "JWS envelope");
  const unknown = Object.keys(envelope).filter((key) => !TOP_LEVEL.has(key));
  if (unknown.length > 0) {
    throw notaryError(
      "ENVELOPE_INVALID",
      `JWS envelope: unexpected member(s) ${unknown.join(", ")}; only the flattened JSON serialization is supported`,
    );
  }
  const { protected: protectedText, payload: payloadText, header } = envelope;
  const protectedHeader = jsonObject(
    decodeBase64Url(protectedText, "JWS protected header"),
    "JWS protected header",
  );
  const payload = decodeBase64Url(payloadText, "JWS payload");
  const signature = decodeBase64Url(envelope.signature, "JWS signature");
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw notaryError("ENVELOPE_INVALID", "JWS envelope: header is missing or not an object");
  }
  const unprotected = header as JsonObject;
  const both = Object.keys(unprotected).filter((key) => Object.hasOwn(protectedHeader, key));
  if (both.length > 0) {
    throw notaryError(
      "ENVELOPE_INVALID",
      `JWS envelope: ${both.join(", ")} in both the protected and the unprotected header`,
    );
  }
  const algorithm = algorithmFromJws(protectedHeader.alg);
  const where = "JWS protected header";
  const attributes = signedAttributes({
    where,
    contentType: protectedHeader.cty,
    critical: protectedHeader.crit,
    has: (name) => typeof name === "string" && Object.hasOwn(protectedHeader, name),
    get: (name) => protectedHeader[name],
    time: (name) => optionalTime(protectedHeader, name, where),
  });
  const x5c = unprotected.x5c;
  const timestamp = unprotected[TIMESTAMP_SIGNATURE];
  const agent = unprotected[SIGNING_AGENT];
  return {
    format: "jws",
    algorithm,
    signedBytes: ascii.encode(`${protectedText}.${payloadText}`),
    signature,
    payload,
    signedAttributes: attributes,
    certificates: certificateList(x5c, "JWS x5c").map((entry, index) =>
      decodeBase64(entry, `JWS x5c certificate ${index + 1}`),
    ),
    timestampToken:
      timestamp === undefined ? undefined : decodeBase64(timestamp, `JWS ${TIMESTAMP_SIGNATURE}`),
    signingAgent: typeof agent === "string" ? agent : undefined,
  };
}

function optionalTime(header: JsonObject, name: string, where: string): Date | undefined {
  if (!Object.hasOwn(header, name)) return undefined;
  const text = header[name];
  const match = typeof text === "string" ? RFC3339.exec(text) : null;
  const time = match === null ? undefined : rfc3339Time(match);
  if (time === undefined) {
    throw notaryError(
      "ENVELOPE_INVALID",
      `${where}: ${name} ${JSON.stringify(text)} is not an RFC 3339 date-time`,
    );
  }
  return time;
}

function rfc3339Time(match: RegExpExecArray): Date | undefined {
  const fraction = match[7] === undefined ? 0 : Math.floor(Number(`0${match[7]}`) * 1000);
  const local = utcTime(match.slice(1, 7).map(Number), fraction);
  const zone = match[8] as string;
  if (local === undefined || zone.toUpperCase() === "Z") return local;
  const [hours, minutes] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
  if (hours > 23 || minutes > 59) return undefined;
  const offsetMinutes = (zone[0] === "-" ? -1 : 1) * (hours * 60 + minutes);
  return new Date(local.getTime() - offsetMinutes * 60_000);
}
