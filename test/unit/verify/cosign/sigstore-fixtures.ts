/**
 * A miniature Sigstore built in-test: a Fulcio CA (root and intermediate)
 * issuing short-lived leaves with Fulcio extensions and an embedded SCT from
 * a CT log, a Rekor log signing entry timestamps, and the trusted_root.json
 * naming them. Every encoding is written here, independently of the code
 * under test.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes } from "@noble/hashes/utils.js";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { type Extension, GeneralName, KeyUsageFlags } from "@peculiar/asn1-x509";
import {
  EXT,
  extension,
  type IssuedCertificate,
  issue,
  pem,
  type TestKey,
  toBase64,
} from "../../crypto/fixtures.ts";
import { freshKey, utf8 } from "./fixtures.ts";

export const SIGNED_AT = new Date("2025-03-01T12:00:00Z");
/** Rekor logged the entry a minute after the leaf was issued. */
export const INTEGRATED_AT = new Date(SIGNED_AT.getTime() + 60_000);
export const ISSUER = "https://token.actions.githubusercontent.com";
export const WORKFLOW_URI =
  "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main";
const CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
const SCT_LIST_OID = "1.3.6.1.4.1.11129.2.4.2";

export interface Log {
  readonly key: TestKey;
  /** Hex SHA-256 of the key's SPKI. */
  readonly logId: string;
}

export async function newLog(): Promise<Log> {
  const key = await freshKey();
  return { key, logId: bytesToHex(sha256(key.spki)) };
}

export interface Fulcio {
  readonly root: IssuedCertificate;
  readonly intermediate: IssuedCertificate;
  readonly ctLog: Log;
}

export async function newFulcio(): Promise<Fulcio> {
  const caUsage = EXT.keyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign);
  const root = await issue({
    subject: "sigstore",
    key: await freshKey("P-384"),
    extensions: [EXT.ca(1), caUsage],
  });
  const intermediate = await issue({
    subject: "sigstore-intermediate",
    key: await freshKey("P-384"),
    issuer: root,
    extensions: [EXT.ca(0), caUsage, EXT.eku(CODE_SIGNING)],
  });
  return { root, intermediate, ctLog: await newLog() };
}

export interface LeafSpec {
  key: TestKey;
  /** A SAN; default the workflow URI. */
  san?: GeneralName;
  /** Fulcio extensions by arc (1.3.6.1.4.1.57264.1.<arc>); default issuer (.1 and .8) and repository (.5). */
  fulcio?: Record<number, string>;
  /** Embed an SCT signed by this log (default the Fulcio CT log); null for none. */
  sctLog?: Log | null;
  /** Carry this other leaf's SCT list instead: a transplanted SCT, valid for another certificate. */
  sctOf?: IssuedCertificate;
  issuer?: IssuedCertificate;
  notBefore?: Date;
}

/** A ten-minute Fulcio leaf for `spec.key`, issued at SIGNED_AT. */
export async function issueLeaf(fulcio: Fulcio, spec: LeafSpec): Promise<IssuedCertificate> {
  const notBefore = spec.notBefore ?? SIGNED_AT;
  const base = {
    subject: "",
    key: spec.key,
    issuer: spec.issuer ?? fulcio.intermediate,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 10 * 60_000),
    serial: 7,
  };
  const extensions = [
    EXT.keyUsage(KeyUsageFlags.digitalSignature),
    EXT.eku(CODE_SIGNING),
    EXT.san(spec.san ?? new GeneralName({ uniformResourceIdentifier: WORKFLOW_URI })),
    ...fulcioExtensions(spec.fulcio ?? { 1: ISSUER, 8: ISSUER, 5: "acme/app" }),
  ];
  const transplanted = spec.sctOf?.cert.extension(SCT_LIST_OID)?.value;
  if (transplanted !== undefined) {
    return issue({
      ...base,
      extensions: [...extensions, extension(SCT_LIST_OID, false, transplanted)],
    });
  }
  const sctLog = spec.sctLog === undefined ? fulcio.ctLog : spec.sctLog;
  if (sctLog === null) return issue({ ...base, extensions });
  const precertificate = await issue({ ...base, extensions });
  const sctList = await signedSctList(precertificate, base.issuer, sctLog, notBefore);
  return issue({ ...base, extensions: [...extensions, extension(SCT_LIST_OID, false, sctList)] });
}

/** Arcs 1-6 hold raw UTF-8; from 8 on a DER UTF8String. */
function fulcioExtensions(values: Record<number, string>): Extension[] {
  return Object.entries(values).map(([arc, value]) => {
    const raw = utf8(value);
    const der = Number(arc) >= 8 ? concatBytes(new Uint8Array([0x0c, raw.length]), raw) : raw;
    return extension(`1.3.6.1.4.1.57264.1.${arc}`, false, der);
  });
}

/** RFC 6962: the log signs the precertificate TBS and the issuer key hash; the list is an OCTET STRING. */
async function signedSctList(
  precertificate: IssuedCertificate,
  issuer: IssuedCertificate,
  log: Log,
  at: Date,
): Promise<Uint8Array> {
  const timestamp = new Uint8Array(8);
  new DataView(timestamp.buffer).setBigUint64(0, BigInt(at.getTime()));
  const tbs = precertificate.cert.tbs;
  const signed = concatBytes(
    new Uint8Array([0, 0]),
    timestamp,
    new Uint8Array([0, 1]),
    sha256(issuer.cert.spki),
    new Uint8Array([tbs.length >> 16, (tbs.length >> 8) & 0xff, tbs.length & 0xff]),
    tbs,
    new Uint8Array([0, 0]),
  );
  const signature = await log.key.sign(signed);
  const sct = concatBytes(
    new Uint8Array([0]),
    sha256(log.key.spki),
    timestamp,
    new Uint8Array([0, 0, 4, 3, signature.length >> 8, signature.length & 0xff]),
    signature,
  );
  const entry = concatBytes(u16(sct.length), sct);
  return new Uint8Array(
    AsnConvert.serialize(new OctetString(concatBytes(u16(entry.length), entry))),
  );
}

function u16(value: number): Uint8Array {
  return new Uint8Array([value >> 8, value & 0xff]);
}

export function certificatePem(cert: IssuedCertificate): string {
  return pem("CERTIFICATE", cert.der);
}

/** A hashedrekord 0.0.1 entry for a signature over content with SHA-256 `digestHex`. */
export function hashedRekord(
  digestHex: string,
  signature: Uint8Array,
  publicKeyPem: string,
): object {
  return {
    apiVersion: "0.0.1",
    kind: "hashedrekord",
    spec: {
      data: { hash: { algorithm: "sha256", value: digestHex } },
      signature: {
        content: toBase64(signature),
        publicKey: { content: toBase64(utf8(publicKeyPem)) },
      },
    },
  };
}

/** A dsse 0.0.1 entry for an envelope with SHA-256 `envelopeHex`. */
export function dsseEntry(envelopeHex: string, signature: Uint8Array, verifierPem: string): object {
  return {
    apiVersion: "0.0.1",
    kind: "dsse",
    spec: {
      envelopeHash: { algorithm: "sha256", value: envelopeHex },
      payloadHash: { algorithm: "sha256", value: "00".repeat(32) },
      signatures: [{ signature: toBase64(signature), verifier: toBase64(utf8(verifierPem)) }],
    },
  };
}

/** The `dev.sigstore.cosign/bundle` annotation: `entry` logged at `at`, with Rekor's SET. */
export async function rekorBundle(
  log: Log,
  entry: object,
  at = INTEGRATED_AT,
  logIndex = 4242,
): Promise<string> {
  const body = toBase64(utf8(JSON.stringify(entry)));
  const integratedTime = Math.floor(at.getTime() / 1000);
  // Canonical JSON of the four fields: sorted keys, no whitespace.
  const canonical = `{"body":${JSON.stringify(body)},"integratedTime":${integratedTime},"logID":"${log.logId}","logIndex":${logIndex}}`;
  const set = await log.key.sign(utf8(canonical));
  return JSON.stringify({
    SignedEntryTimestamp: toBase64(set),
    Payload: { body, integratedTime, logIndex, logID: log.logId },
  });
}

const START = "2020-01-01T00:00:00Z";

function logJson(log: Log, start = START): object {
  return {
    baseUrl: "https://log.test",
    hashAlgorithm: "SHA2_256",
    publicKey: {
      rawBytes: toBase64(log.key.spki),
      keyDetails: "PKIX_ECDSA_P256_SHA_256",
      validFor: { start },
    },
    logId: { keyId: toBase64(sha256(log.key.spki)) },
  };
}

/** trusted_root.json with `fulcio`'s CA, `rekor` and its CT log. */
export function trustedRootJson(fulcio: Fulcio, rekor: Log): Record<string, unknown> {
  return {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [logJson(rekor)],
    certificateAuthorities: [
      {
        subject: { organization: "sigstore.dev", commonName: "sigstore" },
        uri: "https://fulcio.test",
        certChain: {
          certificates: [
            { rawBytes: toBase64(fulcio.intermediate.der) },
            { rawBytes: toBase64(fulcio.root.der) },
          ],
        },
        validFor: { start: START },
      },
    ],
    ctlogs: [logJson(fulcio.ctLog)],
    timestampAuthorities: [],
  };
}
