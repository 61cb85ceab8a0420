/**
 * Embedded Signed Certificate Timestamps (RFC 6962 3.2-3.3): the proof that a
 * Fulcio certificate was logged to certificate transparency. Each SCT is a
 * log's signature over the precertificate (the TBS without the SCT list) and
 * the hash of the issuer's key. SCTs from logs not trusted here are skipped;
 * at least one must verify, and one from a trusted log that does not verify
 * is a forgery.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes } from "@noble/hashes/utils.js";
import {
  type Certificate,
  type HashName,
  precertificateTbs,
  verifySignature,
} from "../../../crypto/index.ts";
import { cosignError } from "../errors.ts";
import { type LogKey, withinRange } from "../trusted-root.ts";

interface Sct {
  readonly logId: string;
  readonly timestamp: Uint8Array;
  readonly extensions: Uint8Array;
  readonly hash: HashName | undefined;
  readonly signature: Uint8Array;
}

/** RFC 5246 HashAlgorithm values. */
const HASHES: Readonly<Record<number, HashName>> = { 4: "sha256", 5: "sha384", 6: "sha512" };
/** A Fulcio certificate carries one; a few logs at most. */
const MAX_SCTS = 16;

/** Throws `SCT_MISSING` or `SCT_INVALID` unless an embedded SCT of `cert` verifies with one of `logs`. */
export async function verifyEmbeddedScts(
  cert: Certificate,
  issuer: Certificate | undefined,
  logs: readonly LogKey[],
): Promise<void> {
  if (cert.sctList === undefined) {
    throw cosignError(
      "SCT_MISSING",
      `${cert.describe()} embeds no SCT (set ctlog.ignoreSCT to skip this check)`,
    );
  }
  if (issuer === undefined) {
    throw cosignError(
      "SCT_INVALID",
      `${cert.describe()}: its SCTs cannot be checked without the issuing certificate`,
    );
  }
  const scts = parseSctList(cert.sctList, cert.describe());
  const precertificate = precertificateTbs(cert);
  const issuerKeyHash = sha256(issuer.spki);
  let verified = 0;
  for (const sct of scts) {
    const log = logs.find((candidate) => candidate.logId === sct.logId);
    const at = new Date(
      Number(new DataView(sct.timestamp.buffer, sct.timestamp.byteOffset).getBigUint64(0)),
    );
    if (log === undefined || !withinRange(log.validFor, at)) continue;
    const signed = concatBytes(
      new Uint8Array([0, 0]), // v1, certificate_timestamp
      sct.timestamp,
      new Uint8Array([0, 1]), // precert_entry
      issuerKeyHash,
      lengthPrefixed(precertificate, 3),
      lengthPrefixed(sct.extensions, 2),
    );
    if (sct.hash === undefined || !(await verifies(log, signed, sct))) {
      throw cosignError(
        "SCT_INVALID",
        `${cert.describe()}: the SCT of CT log ${log.name} does not verify`,
      );
    }
    verified++;
  }
  if (verified === 0) {
    throw cosignError(
      "SCT_INVALID",
      `${cert.describe()}: none of its ${scts.length} SCTs is from a trusted CT log valid at its time`,
    );
  }
}

async function verifies(log: LogKey, signed: Uint8Array, sct: Sct): Promise<boolean> {
  try {
    return await verifySignature(log.key, signed, sct.signature, { hash: sct.hash });
  } catch {
    return false; // a signature malformed for the log's key is simply not valid
  }
}

function lengthPrefixed(bytes: Uint8Array, width: 2 | 3): Uint8Array {
  const length = bytes.length;
  const prefix =
    width === 2
      ? [length >> 8, length & 0xff]
      : [length >> 16, (length >> 8) & 0xff, length & 0xff];
  return concatBytes(new Uint8Array(prefix), bytes);
}

/** Reads the TLS `SignedCertificateTimestampList`; any structural fault is `SCT_INVALID`. */
function parseSctList(list: Uint8Array, what: string): Sct[] {
  const reader = new TlsReader(list, `${what}: SCT list`);
  const entries = new TlsReader(reader.vector(), `${what}: SCT list`);
  reader.end();
  const scts: Sct[] = [];
  while (!entries.done()) {
    if (scts.length === MAX_SCTS) entries.fail(`more than ${MAX_SCTS} SCTs`);
    const sct = new TlsReader(entries.vector(), `${what}: SCT ${scts.length + 1}`);
    if (sct.bytes(1)[0] !== 0) sct.fail("not a v1 SCT");
    const logId = bytesToHex(sct.bytes(32));
    const timestamp = sct.bytes(8);
    const extensions = sct.vector();
    const [hash] = sct.bytes(2);
    const signature = sct.vector();
    sct.end();
    scts.push({ logId, timestamp, extensions, hash: HASHES[hash as number], signature });
  }
  if (scts.length === 0) reader.fail("empty");
  return scts;
}

class TlsReader {
  #offset = 0;
  readonly #data: Uint8Array;
  readonly #what: string;

  constructor(data: Uint8Array, what: string) {
    this.#data = data;
    this.#what = what;
  }

  fail(reason: string): never {
    throw cosignError("SCT_INVALID", `${this.#what}: ${reason}`);
  }

  bytes(count: number): Uint8Array {
    if (this.#offset + count > this.#data.length) this.fail("truncated");
    const out = this.#data.subarray(this.#offset, this.#offset + count);
    this.#offset += count;
    return out;
  }

  /** A vector with a two-byte big-endian length. */
  vector(): Uint8Array {
    const [high, low] = this.bytes(2);
    return this.bytes(((high as number) << 8) | (low as number));
  }

  done(): boolean {
    return this.#offset === this.#data.length;
  }

  end(): void {
    if (!this.done()) this.fail(`${this.#data.length - this.#offset} trailing bytes`);
  }
}
