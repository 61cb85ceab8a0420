/**
 * Conformance bundles changed one field at a time: each change must be caught,
 * with the code that names the step that caught it.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { beforeAll, describe, expect, test } from "vitest";
import { isImgverifyError } from "../../../../src/errors.ts";
import type { BundleErrorCode } from "../../../../src/verify/bundle/errors.ts";
import { type VerifyBundleOptions, verifyBundle } from "../../../../src/verify/bundle/verify.ts";
import type { PreparedTrustedRoot } from "../../../../src/verify/trust/trusted-root.ts";
import {
  CONFORMANCE,
  CONFORMANCE_IDENTITY,
  corpusBytes,
  corpusJson,
  corpusTrustedRoot,
  PRODUCTION_ROOT,
  verifierTestsRun,
} from "./corpora.ts";

/** The fields these tests change, in the JSON form of a v0.3 bundle. */
interface BundleJson {
  mediaType: string;
  messageSignature: { signature: string };
  dsseEnvelope: { payload: string };
  verificationMaterial: {
    certificate: { rawBytes: string };
    tlogEntries: { inclusionPromise: { signedEntryTimestamp: string } }[];
  };
}

function codeOf(options: VerifyBundleOptions): BundleErrorCode | "verified" {
  try {
    verifyBundle(options);
    return "verified";
  } catch (err) {
    if (isImgverifyError<BundleErrorCode>(err)) return err.code;
    throw err;
  }
}

/** Flips one bit of a base64 field. */
function flipBit(base64: string, byteIndex: number): string {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  bytes[byteIndex] = (bytes[byteIndex] ?? 0) ^ 1;
  return btoa(String.fromCharCode(...bytes));
}

describe.skipIf(!verifierTestsRun)("tampered bundles", () => {
  // Read in beforeAll: a skipped suite still runs its body, where the corpora may be absent.
  let artifact: { bytes: Uint8Array };
  let trustedRoot: PreparedTrustedRoot;
  beforeAll(() => {
    artifact = { bytes: corpusBytes(`${CONFORMANCE}/../a.txt`) };
    trustedRoot = corpusTrustedRoot(PRODUCTION_ROOT);
  });
  const policy = { identity: CONFORMANCE_IDENTITY };
  const load = (name: string) =>
    corpusJson(`${CONFORMANCE}/${name}/bundle.sigstore.json`) as unknown as BundleJson;
  const messageBundle = () => load("happy-path-v0.3");
  const dsseBundle = () => load("happy-path-intoto-in-dsse-v3");
  const verify = (bundle: BundleJson, overrides: Partial<VerifyBundleOptions> = {}) =>
    codeOf({ bundle, artifact, trustedRoot, policy, ...overrides });

  test("the untouched bundles verify, by bytes and by digest", () => {
    const byDigest = { artifact: { digest: `sha256:${bytesToHex(sha256(artifact.bytes))}` } };
    for (const bundle of [messageBundle(), dsseBundle()]) {
      expect(verify(bundle)).toBe("verified");
      expect(verify(bundle, byDigest)).toBe("verified");
    }
  });

  test("a changed message signature no longer matches its log entry", () => {
    const bundle = messageBundle();
    bundle.messageSignature.signature = flipBit(bundle.messageSignature.signature, 20);
    expect(verify(bundle)).toBe("TLOG_INVALID");
  });

  test("a changed certificate no longer chains to Fulcio", () => {
    const bundle = messageBundle();
    const cert = bundle.verificationMaterial.certificate;
    cert.rawBytes = flipBit(cert.rawBytes, 300);
    expect(verify(bundle)).toBe("CERTIFICATE_INVALID");
  });

  test("a changed DSSE payload no longer matches its log entry", () => {
    const bundle = dsseBundle();
    bundle.dsseEnvelope.payload = flipBit(bundle.dsseEnvelope.payload, 30);
    expect(verify(bundle)).toBe("TLOG_INVALID");
  });

  test("a changed signed entry timestamp fails the log's signature", () => {
    const bundle = messageBundle();
    const [entry] = bundle.verificationMaterial.tlogEntries;
    if (entry === undefined) throw new Error("happy-path-v0.3 has no log entry");
    entry.inclusionPromise.signedEntryTimestamp = flipBit(
      entry.inclusionPromise.signedEntryTimestamp,
      20,
    );
    expect(verify(bundle)).toBe("TLOG_INVALID");
  });

  test("a statement about another artifact is refused", () => {
    const other = { bytes: new TextEncoder().encode("another artifact") };
    expect(verify(dsseBundle(), { artifact: other })).toBe("SUBJECT_MISMATCH");
  });

  test("a message signature over another artifact is refused, by bytes and by digest", () => {
    const other = new TextEncoder().encode("another artifact");
    expect(verify(messageBundle(), { artifact: { bytes: other } })).toBe("ARTIFACT_MISMATCH");
    expect(verify(messageBundle(), { artifact: { digest: `sha256:${"ab".repeat(32)}` } })).toBe(
      "ARTIFACT_MISMATCH",
    );
  });

  test("a bundle of an unknown media type or not JSON is malformed", () => {
    const bundle = messageBundle();
    bundle.mediaType = "application/vnd.dev.sigstore.bundle.v0.9+json";
    expect(verify(bundle)).toBe("BUNDLE_INVALID");
    expect(codeOf({ bundle: "{not json", artifact, trustedRoot, policy })).toBe("BUNDLE_INVALID");
  });

  test("a key policy refuses a keyless bundle, and an identity policy a key bundle", async () => {
    const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ]);
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
    const pem = `-----BEGIN PUBLIC KEY-----\n${btoa(String.fromCharCode(...spki))}\n-----END PUBLIC KEY-----\n`;
    expect(verify(messageBundle(), { policy: { key: pem } })).toBe("POLICY_MISMATCH");
    const keyBundle = load("managed-key-happy-path");
    expect(verify(keyBundle)).toBe("POLICY_MISMATCH");
    // The right bundle kind with the wrong key: the signature does not verify.
    expect(verify(keyBundle, { policy: { key: pem } })).toBe("SIGNATURE_INVALID");
  });
});
