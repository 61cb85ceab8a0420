/**
 * The in-toto statement inside a DSSE envelope, and the check the Sigstore
 * libraries leave to their callers: that the statement is about the artifact.
 */

import { bytesToHex } from "@noble/hashes/utils.js";
import type { Envelope } from "@sigstore/bundle";
import type { DigestAlgorithm, ResolvedArtifact } from "./artifact.ts";
import { bundleError } from "./errors.ts";

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
const STATEMENT_TYPES: ReadonlySet<string> = new Set([
  "https://in-toto.io/Statement/v0.1",
  "https://in-toto.io/Statement/v1",
]);
/** Provenance for a release lists tens of files; thousands would be abuse. */
const MAX_SUBJECTS = 1024;

export interface InTotoSubject {
  name?: string;
  /** Algorithm name to lowercase hex digest, e.g. `{ sha256: "…" }`. */
  digest: Record<string, string>;
}

export interface InTotoStatement {
  _type: string;
  subject: InTotoSubject[];
  predicateType: string;
  predicate?: unknown;
}

/** Parses the envelope's payload as an in-toto statement, listing every malformed field. */
export function parseStatement(envelope: Envelope): InTotoStatement {
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw bundleError(
      "STATEMENT_INVALID",
      `DSSE payload type ${JSON.stringify(envelope.payloadType)} is not ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(envelope.payload));
  } catch (err) {
    throw bundleError("STATEMENT_INVALID", "DSSE payload is not UTF-8 JSON", err);
  }
  const problems = statementProblems(json);
  if (problems.length > 0) {
    throw bundleError(
      "STATEMENT_INVALID",
      `in-toto statement is malformed: ${problems.join("; ")}`,
    );
  }
  return json as InTotoStatement;
}

const SUBJECT_ALGORITHMS: readonly DigestAlgorithm[] = ["sha256", "sha384", "sha512"];

/** Throws `SUBJECT_MISMATCH` unless some subject names the artifact by a digest both know. */
export function assertSubjectMatches(statement: InTotoStatement, artifact: ResolvedArtifact): void {
  const found = statement.subject.some((subject) =>
    SUBJECT_ALGORITHMS.some((algorithm) => {
      const expected = subject.digest[algorithm];
      const actual = expected === undefined ? undefined : artifact.digest(algorithm);
      return actual !== undefined && bytesToHex(actual) === expected?.toLowerCase();
    }),
  );
  if (!found) {
    const names = statement.subject.map((s) => s.name ?? "(unnamed)").join(", ");
    throw bundleError(
      "SUBJECT_MISMATCH",
      `no subject of the in-toto statement (${names}) is the artifact ${artifact.label}`,
    );
  }
}

function statementProblems(json: unknown): string[] {
  if (!isRecord(json)) return ["not a JSON object"];
  const problems: string[] = [];
  if (typeof json._type !== "string" || !STATEMENT_TYPES.has(json._type)) {
    problems.push(`_type ${JSON.stringify(json._type)} is not an in-toto statement type`);
  }
  if (typeof json.predicateType !== "string") problems.push("predicateType is missing");
  const subjects = json.subject;
  if (!Array.isArray(subjects) || subjects.length === 0) {
    problems.push("subject is not a non-empty list");
  } else if (subjects.length > MAX_SUBJECTS) {
    problems.push(`subject has ${subjects.length} entries, more than ${MAX_SUBJECTS}`);
  } else {
    subjects.forEach((subject: unknown, index) => {
      if (!isSubject(subject)) problems.push(`subject[${index}] has no digest map of strings`);
    });
  }
  return problems;
}

function isSubject(value: unknown): value is InTotoSubject {
  if (!isRecord(value) || !isRecord(value.digest)) return false;
  if (value.name !== undefined && typeof value.name !== "string") return false;
  return Object.values(value.digest).every((digest) => typeof digest === "string");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
