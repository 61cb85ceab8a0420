/**
 * The trust material classic cosign verification uses, read from a Sigstore
 * `trusted_root.json` (the user's, or the production root shipped in
 * `@sigstore/tuf`'s seeds, see `trustedRootFromTufSeeds`): Fulcio CA chains,
 * Rekor log keys and CT log keys, each with its validity. Every certificate
 * and key is parsed once here, so callers keep the result for many checks.
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import {
  type Certificate,
  type PublicKey,
  parseCertificate,
  parsePublicKeySpki,
} from "../../crypto/index.ts";
import { decodeBase64, isObject, type JsonObject } from "./encoding.ts";
import { cosignError, reasonOf } from "./errors.ts";

/** When a key or authority may be used; no `end` means still in use. */
export interface TimeRange {
  readonly start: Date;
  readonly end: Date | undefined;
}

export interface CertificateAuthority {
  /** Its URI, for messages. */
  readonly name: string;
  /** Intermediates first, the root last, as `trusted_root.json` lists them. */
  readonly certificates: readonly Certificate[];
  readonly validFor: TimeRange;
}

/** A Rekor or CT log: its key and the ID entries name it by (SHA-256 of the key's SPKI). */
export interface LogKey {
  readonly name: string;
  /** Lower-case hex. */
  readonly logId: string;
  readonly key: PublicKey;
  readonly validFor: TimeRange | undefined;
}

export interface CosignTrust {
  readonly certificateAuthorities: readonly CertificateAuthority[];
  readonly tlogs: readonly LogKey[];
  readonly ctlogs: readonly LogKey[];
}

const MEDIA_TYPE_PREFIX = "application/vnd.dev.sigstore.trustedroot";
/** Far above any real root (production has a handful of each). */
const MAX_ENTRIES_PER_LIST = 64;

/** Reads a parsed `trusted_root.json`; lists every problem at once as `TRUST_ROOT_INVALID`. */
export function prepareCosignTrust(trustedRoot: unknown): CosignTrust {
  if (!isObject(trustedRoot))
    throw cosignError("TRUST_ROOT_INVALID", "trusted root is not a JSON object");
  const problems: string[] = [];
  const mediaType = trustedRoot.mediaType;
  if (typeof mediaType !== "string" || !mediaType.startsWith(MEDIA_TYPE_PREFIX)) {
    problems.push(`mediaType ${JSON.stringify(mediaType)} is not a trusted root media type`);
  }
  const trust: CosignTrust = {
    certificateAuthorities: entries(trustedRoot, "certificateAuthorities", problems, authority),
    tlogs: entries(trustedRoot, "tlogs", problems, logKey),
    ctlogs: entries(trustedRoot, "ctlogs", problems, logKey),
  };
  if (problems.length > 0) {
    throw cosignError("TRUST_ROOT_INVALID", `trusted root is invalid: ${problems.join("; ")}`);
  }
  return trust;
}

/** A log known only by a key the policy gives (Kyverno's `rekor.pubkey`, `ctlog.pubkey`). */
export function logKeyOf(key: PublicKey, name: string): LogKey {
  return { name, logId: key.id, key, validFor: undefined };
}

/** True when `at` lies in `range` (an absent range has no bounds). */
export function withinRange(range: TimeRange | undefined, at: Date): boolean {
  if (range === undefined) return true;
  return at >= range.start && (range.end === undefined || at <= range.end);
}

function entries<T>(
  root: JsonObject,
  list: string,
  problems: string[],
  read: (entry: JsonObject, where: string) => T,
): T[] {
  const raw = root[list] ?? [];
  if (!Array.isArray(raw)) {
    problems.push(`${list} is not a list`);
    return [];
  }
  if (raw.length > MAX_ENTRIES_PER_LIST) {
    problems.push(`${list} has ${raw.length} entries, more than ${MAX_ENTRIES_PER_LIST}`);
    return [];
  }
  const out: T[] = [];
  raw.forEach((entry: unknown, index) => {
    const name = nameOf(entry, "");
    const where = `${list}[${index}]${name === "" ? "" : ` (${name})`}`;
    try {
      if (!isObject(entry)) throw new Error("not an object");
      out.push(read(entry, where));
    } catch (err) {
      problems.push(`${where}: ${reasonOf(err)}`);
    }
  });
  return out;
}

function authority(entry: JsonObject, where: string): CertificateAuthority {
  const chain = isObject(entry.certChain) ? entry.certChain.certificates : undefined;
  if (!Array.isArray(chain) || chain.length === 0)
    throw new Error("certChain.certificates is empty");
  const certificates = chain.map((cert: unknown, index) => {
    const what = `certificate ${index + 1}`;
    const der = isObject(cert) && typeof cert.rawBytes === "string" ? cert.rawBytes : undefined;
    if (der === undefined) throw new Error(`${what} has no rawBytes`);
    return parseCertificate(decodeBase64(der, what, "TRUST_ROOT_INVALID"), what);
  });
  return {
    name: nameOf(entry, where),
    certificates,
    validFor: timeRange(entry.validFor, "validFor"),
  };
}

function logKey(entry: JsonObject, where: string): LogKey {
  const publicKey = isObject(entry.publicKey) ? entry.publicKey : {};
  const logId = isObject(entry.logId) ? entry.logId.keyId : undefined;
  if (typeof publicKey.rawBytes !== "string") throw new Error("publicKey.rawBytes is missing");
  if (typeof logId !== "string") throw new Error("logId.keyId is missing");
  const spki = decodeBase64(publicKey.rawBytes, "publicKey.rawBytes", "TRUST_ROOT_INVALID");
  return {
    name: nameOf(entry, where),
    logId: bytesToHex(decodeBase64(logId, "logId.keyId", "TRUST_ROOT_INVALID")),
    key: parsePublicKeySpki(spki, "public key"),
    validFor: timeRange(publicKey.validFor, "publicKey.validFor"),
  };
}

/**
 * The trusted-root format's TimeRange has an optional end but a required
 * start: a missing start must not be read as "valid since 1970".
 */
function timeRange(value: unknown, what: string): TimeRange {
  const range = isObject(value) ? value : {};
  const start = parseTime(range.start);
  if (start === undefined) throw new Error(`${what}.start is missing or not a time`);
  if (range.end === undefined || range.end === null) return { start, end: undefined };
  const end = parseTime(range.end);
  if (end === undefined) throw new Error(`${what}.end is not a time`);
  if (end < start) throw new Error(`${what}.end is before its start`);
  return { start, end };
}

function parseTime(value: unknown): Date | undefined {
  if (typeof value !== "string") return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

function nameOf(entry: unknown, fallback: string): string {
  const name = isObject(entry) ? (entry.baseUrl ?? entry.uri) : undefined;
  return typeof name === "string" ? name : fallback;
}
