/**
 * TSTInfo (RFC 3161 section 2.4.2): what a TSA asserts, namely the hash it
 * was given (the message imprint), the time, and how accurate that time is.
 */
import type { HashName } from "../../crypto/index.ts";
import { utcTime } from "../../time/calendar.ts";
import { Asn1Reader, type DerElement, TAG } from "./asn1.ts";

export interface TstInfo {
  readonly imprintHash: HashName;
  readonly imprint: Uint8Array;
  readonly genTime: Date;
  /** Zero when the TSA states no accuracy. */
  readonly accuracyMs: number;
}

const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d*[1-9]))?Z$/;
/** After genTime: accuracy (SEQUENCE), ordering, nonce, tsa [0], extensions [1]. */
const OPTIONAL_TAGS: readonly number[] = [
  TAG.SEQUENCE,
  TAG.BOOLEAN,
  TAG.INTEGER,
  TAG.CONTEXT_0,
  TAG.CONTEXT_1,
];

export function parseTstInfo(der: Uint8Array): TstInfo {
  const reader = new Asn1Reader(der, "TSTInfo");
  const fields = reader.parts(reader.single(), TAG.SEQUENCE, 5);
  const [version, , imprint, , genTime, ...optional] = fields;
  if (reader.smallInteger(reader.expect(version, TAG.INTEGER)) !== 1) {
    reader.fail("TSTInfo version is not 1");
  }
  if (optional.some((element) => !OPTIONAL_TAGS.includes(element.tag))) {
    reader.fail("unexpected TSTInfo field");
  }
  const [hashAlgorithm, hashed] = reader.parts(imprint, TAG.SEQUENCE, 2);
  const accuracy = optional.find((element) => element.tag === TAG.SEQUENCE);
  return {
    imprintHash: reader.hash(hashAlgorithm),
    imprint: reader.octets(hashed),
    genTime: generalizedTime(reader, genTime),
    accuracyMs: accuracy === undefined ? 0 : accuracyMs(reader, accuracy),
  };
}

/** UTC GeneralizedTime ("YYYYMMDDHHMMSS[.fff]Z"), as RFC 3161 requires for genTime. */
function generalizedTime(reader: Asn1Reader, element: DerElement): Date {
  const text = new TextDecoder().decode(
    reader.content(reader.expect(element, TAG.GENERALIZED_TIME)),
  );
  const match = GENERALIZED_TIME.exec(text);
  if (match === null) reader.fail(`genTime "${text}" is not a UTC GeneralizedTime`);
  const fraction = match[7] === undefined ? 0 : Math.floor(Number(`0.${match[7]}`) * 1000);
  const time = utcTime(match.slice(1, 7).map(Number), fraction);
  if (time === undefined) reader.fail(`genTime "${text}" is not a valid time`);
  return time;
}

/** Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] OPTIONAL, micros [1] OPTIONAL }. */
function accuracyMs(reader: Asn1Reader, element: DerElement): number {
  let total = 0;
  for (const part of reader.children(element)) {
    const value = reader.smallInteger(part);
    if (part.tag === TAG.INTEGER) total += value * 1000;
    else if (part.tag === TAG.PRIMITIVE_0) total += value;
    else if (part.tag === TAG.PRIMITIVE_1) total += Math.ceil(value / 1000);
    else reader.fail("unexpected accuracy field");
  }
  return total;
}
