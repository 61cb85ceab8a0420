/**
 * A transparency log of our own, for Sigstore bundles signed here without
 * the network: it records each signature as a Rekor v1 entry (hashedrekord
 * for message signatures, dsse for envelopes) in a log of one, and testifies
 * with a signed entry timestamp and an inclusion proof under a signed
 * checkpoint. Its trusted root lists only this log, so bundles verify
 * offline with every check of the default policy in force.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import type { TransparencyLogEntry } from "@sigstore/bundle";
import { json } from "@sigstore/core";
import type { SignatureBundle, VerificationMaterial, Witness } from "@sigstore/sign";

const ORIGIN = "rekor.imgverify.test";

export interface LocalLog {
  witness: Witness;
  /** A `trusted_root.json` naming this log and nothing else. */
  trustedRoot: object;
}

const sha256 = (data: Uint8Array | string): Buffer => createHash("sha256").update(data).digest();
const base64 = (data: Uint8Array | string): string => Buffer.from(data).toString("base64");

export function localLog(): LocalLog {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const logId = sha256(spki);
  const trustedRoot = {
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    tlogs: [
      {
        baseUrl: `https://${ORIGIN}`,
        hashAlgorithm: "SHA2_256",
        publicKey: {
          rawBytes: base64(spki),
          keyDetails: "PKIX_ECDSA_P256_SHA_256",
          validFor: { start: "2020-01-01T00:00:00Z" },
        },
        logId: { keyId: base64(logId) },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
  const witness: Witness = {
    testify: async (content, signerKey) => entryFor(content, signerKey, privateKey, logId),
  };
  return { witness, trustedRoot };
}

function entryFor(
  content: SignatureBundle,
  signerKey: string,
  logKey: KeyObject,
  logId: Buffer,
): VerificationMaterial {
  const body = Buffer.from(json.canonicalize(entryBody(content, signerKey)));
  const kind = content.$case === "messageSignature" ? "hashedrekord" : "dsse";
  const integratedTime = Math.floor(Date.now() / 1000);
  const promise = json.canonicalize({
    body: base64(body),
    integratedTime,
    logIndex: 0,
    logID: logId.toString("hex"),
  });
  // A log of one entry: the root is the entry's leaf hash and the proof has no hashes.
  const root = sha256(Buffer.concat([Buffer.from([0]), body]));
  const note = `${ORIGIN}\n1\n${base64(root)}\n`;
  const noteSignature = Buffer.concat([
    logId.subarray(0, 4),
    sign("sha256", Buffer.from(note), logKey),
  ]);
  const entry: TransparencyLogEntry = {
    logIndex: "0",
    logId: { keyId: logId },
    kindVersion: { kind, version: "0.0.1" },
    integratedTime: String(integratedTime),
    inclusionPromise: { signedEntryTimestamp: sign("sha256", Buffer.from(promise), logKey) },
    inclusionProof: {
      logIndex: "0",
      rootHash: root,
      treeSize: "1",
      hashes: [],
      checkpoint: { envelope: `${note}\n\u2014 ${ORIGIN} ${base64(noteSignature)}\n` },
    },
    canonicalizedBody: body,
  };
  return { tlogEntries: [entry] };
}

/** The Rekor v1 entry a log would record for `content` signed by `signerKey` (PEM). */
function entryBody(content: SignatureBundle, signerKey: string): object {
  if (content.$case === "messageSignature") {
    const { messageDigest, signature } = content.messageSignature;
    return {
      apiVersion: "0.0.1",
      kind: "hashedrekord",
      spec: {
        data: {
          hash: {
            algorithm: "sha256",
            value: Buffer.from(messageDigest?.digest ?? []).toString("hex"),
          },
        },
        signature: { content: base64(signature), publicKey: { content: base64(signerKey) } },
      },
    };
  }
  const { payload, signatures } = content.dsseEnvelope;
  return {
    apiVersion: "0.0.1",
    kind: "dsse",
    spec: {
      payloadHash: { algorithm: "sha256", value: sha256(payload).toString("hex") },
      signatures: signatures.map((s) => ({
        signature: base64(s.sig),
        verifier: base64(signerKey),
      })),
    },
  };
}
