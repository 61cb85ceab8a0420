/**
 * A Sigstore trusted root (the `trusted_root.json` TUF target): checked field by
 * field, then turned into the trust material `@sigstore/verify` works with.
 * Preparing parses every certificate and key once, so callers keep the result
 * and verify many bundles against it.
 */
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { type TrustMaterial, toTrustMaterial } from "@sigstore/verify";
import { trustRootError } from "./errors.ts";

export interface PreparedTrustedRoot {
  readonly mediaType: string;
  /** Trust material without managed keys; the verifier adds the policy's key per call. */
  readonly material: TrustMaterial;
}

const MEDIA_TYPE_PREFIX = "application/vnd.dev.sigstore.trustedroot";
/** Far above any real root (production has a handful of each). */
const MAX_ENTRIES_PER_LIST = 64;

type Json = Record<string, unknown>;

/** Validates `json` (a parsed `trusted_root.json`) and prepares it for verification. */
export function prepareTrustedRoot(json: unknown): PreparedTrustedRoot {
  const problems = trustedRootProblems(json);
  if (problems.length > 0) {
    throw trustRootError(`trusted root is invalid: ${problems.join("; ")}`);
  }
  try {
    const root = TrustedRoot.fromJSON(json);
    return { mediaType: root.mediaType, material: toTrustMaterial(root) };
  } catch (err) {
    throw trustRootError(`trusted root is invalid: ${(err as Error).message}`, err);
  }
}

/**
 * Every problem at once. Each log and authority needs a validity start: the
 * TimeRange of the trusted-root format is closed, with only the end optional,
 * and a missing start must not be read as "valid since 1970".
 */
function trustedRootProblems(json: unknown): string[] {
  if (!isObject(json)) return ["not a JSON object"];
  const problems: string[] = [];
  const mediaType = json.mediaType;
  if (typeof mediaType !== "string" || !mediaType.startsWith(MEDIA_TYPE_PREFIX)) {
    problems.push(`mediaType ${JSON.stringify(mediaType)} is not a trusted root media type`);
  }
  for (const list of ["tlogs", "ctlogs"] as const) {
    forEachEntry(json, list, problems, (entry, where) => {
      const key = isObject(entry.publicKey) ? entry.publicKey : undefined;
      if (typeof key?.rawBytes !== "string")
        problems.push(`${where}: publicKey.rawBytes is missing`);
      if (!isObject(entry.logId) || typeof entry.logId.keyId !== "string") {
        problems.push(`${where}: logId.keyId is missing`);
      }
      checkValidFor(key?.validFor, `${where}: publicKey.validFor`, problems);
    });
  }
  for (const list of ["certificateAuthorities", "timestampAuthorities"] as const) {
    forEachEntry(json, list, problems, (entry, where) => {
      const chain = isObject(entry.certChain) ? entry.certChain.certificates : undefined;
      if (!Array.isArray(chain) || chain.length === 0) {
        problems.push(`${where}: certChain.certificates is empty`);
      }
      checkValidFor(entry.validFor, `${where}: validFor`, problems);
    });
  }
  return problems;
}

function forEachEntry(
  root: Json,
  list: string,
  problems: string[],
  check: (entry: Json, where: string) => void,
): void {
  const entries = root[list] ?? [];
  if (!Array.isArray(entries)) {
    problems.push(`${list} is not a list`);
    return;
  }
  if (entries.length > MAX_ENTRIES_PER_LIST) {
    problems.push(`${list} has ${entries.length} entries, more than ${MAX_ENTRIES_PER_LIST}`);
    return;
  }
  entries.forEach((entry: unknown, index) => {
    const where = `${list}[${index}]${describe(entry)}`;
    if (isObject(entry)) check(entry, where);
    else problems.push(`${where} is not an object`);
  });
}

function checkValidFor(validFor: unknown, where: string, problems: string[]): void {
  const range = isObject(validFor) ? validFor : {};
  const start = parseTime(range.start);
  if (start === undefined) problems.push(`${where}.start is missing or not a time`);
  if (range.end === undefined || range.end === null) return; // JSON null: no known end
  const end = parseTime(range.end);
  if (end === undefined) problems.push(`${where}.end is not a time`);
  else if (start !== undefined && end < start) problems.push(`${where}.end is before its start`);
}

function parseTime(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** Names an entry by its URL or subject so the message points at the bad one. */
function describe(entry: unknown): string {
  if (!isObject(entry)) return "";
  const name = entry.baseUrl ?? entry.uri;
  return typeof name === "string" ? ` (${name})` : "";
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
