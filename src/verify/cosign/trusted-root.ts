/**
 * The trust material classic cosign verification uses, read from a Sigstore
 * `trusted_root.json` (the user's, or the production root shipped in
 * `@sigstore/tuf`'s seeds, see `trustedRootFromTufSeeds`): Fulcio CA chains,
 * Rekor log keys and CT log keys, each with its validity. Every certificate
 * and key is parsed once here (or at first use, `lazyCosignTrust`), so
 * callers keep the result for many checks.
 */

import { bytesToHex } from "@noble/hashes/utils.js";
import {
  type Certificate,
  type PublicKey,
  parseCertificate,
  parsePublicKeySpki,
} from "../../crypto/index.ts";
import { reasonOf } from "../../errors.ts";
import { decodeBase64, isObject, type JsonObject } from "./encoding.ts";
import { cosignError } from "./errors.ts";

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

type ListName = keyof CosignTrust;
const LIST_READERS: {
  readonly [L in ListName]: (entry: JsonObject, where: string) => CosignTrust[L][number];
} = { certificateAuthorities: authority, tlogs: logKey, ctlogs: logKey };
const LIST_NAMES = Object.keys(LIST_READERS) as ListName[];

/** Reads a parsed `trusted_root.json`; lists every problem at once as `TRUST_ROOT_INVALID`. */
export function prepareCosignTrust(trustedRoot: unknown): CosignTrust {
  const root = rootObject(trustedRoot);
  const problems = mediaTypeProblems(root);
  const read = LIST_NAMES.map((list) => readList(root, list, problems));
  if (problems.length > 0) throw invalidRoot(problems);
  const [certificateAuthorities, tlogs, ctlogs] = read;
  return { certificateAuthorities, tlogs, ctlogs } as CosignTrust;
}

/**
 * The same trust, each list parsed at its first use: for a root already
 * checked by `prepareCosignTrust` (the Worker's, at build time), so a policy
 * that never reads the Fulcio chains or a log key never pays for parsing them.
 */
export function lazyCosignTrust(trustedRoot: unknown): CosignTrust {
  const root = rootObject(trustedRoot);
  const problems = mediaTypeProblems(root);
  if (problems.length > 0) throw invalidRoot(problems);
  const parsed = new Map<ListName, readonly unknown[]>();
  const list = <L extends ListName>(name: L): CosignTrust[L] => {
    let entries = parsed.get(name);
    if (entries === undefined) {
      const found: string[] = [];
      entries = readList(root, name, found);
      if (found.length > 0) throw invalidRoot(found);
      parsed.set(name, entries);
    }
    return entries as CosignTrust[L];
  };
  return {
    get certificateAuthorities() {
      return list("certificateAuthorities");
    },
    get tlogs() {
      return list("tlogs");
    },
    get ctlogs() {
      return list("ctlogs");
    },
  };
}

function rootObject(trustedRoot: unknown): JsonObject {
  if (!isObject(trustedRoot))
    throw cosignError("TRUST_ROOT_INVALID", "trusted root is not a JSON object");
  return trustedRoot;
}

function mediaTypeProblems(root: JsonObject): string[] {
  const mediaType = root.mediaType;
  return typeof mediaType === "string" && mediaType.startsWith(MEDIA_TYPE_PREFIX)
    ? []
    : [`mediaType ${JSON.stringify(mediaType)} is not a trusted root media type`];
}

function invalidRoot(problems: readonly string[]): Error {
  return cosignError("TRUST_ROOT_INVALID", `trusted root is invalid: ${problems.join("; ")}`);
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

function readList<L extends ListName>(
  root: JsonObject,
  list: L,
  problems: string[],
): CosignTrust[L][number][] {
  const read = LIST_READERS[list] as (entry: JsonObject, where: string) => CosignTrust[L][number];
  const raw = root[list] ?? [];
  if (!Array.isArray(raw)) {
    problems.push(`${list} is not a list`);
    return [];
  }
  if (raw.length > MAX_ENTRIES_PER_LIST) {
    problems.push(`${list} has ${raw.length} entries, more than ${MAX_ENTRIES_PER_LIST}`);
    return [];
  }
  const out: CosignTrust[L][number][] = [];
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
