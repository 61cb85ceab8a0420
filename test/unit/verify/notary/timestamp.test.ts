/**
 * RFC 3161 countersignatures from real TSAs (GlobalSign in notation-go's
 * envelopes, Microsoft in notation's e2e layouts), with the outcomes
 * notation-go's verifier tests expect (verifier/timestamp_test.go).
 */
import { describe, expect, it } from "vitest";
import { type Certificate, parseCertificate } from "../../../../src/crypto/index.ts";
import {
  COSE_MEDIA_TYPE,
  JWS_MEDIA_TYPE,
  type NotaryTarget,
  type VerifyNotaryOptions,
  verifyNotarySignature,
} from "../../../../src/verify/notary/index.ts";
import { parseTimestampToken } from "../../../../src/verify/timestamp/token.ts";
import {
  corporaPresent,
  corpusBytes,
  corpusText,
  E2E,
  jwsLeaf,
  NOTATION_GO,
  readLayout,
} from "./corpora.ts";

const ENVELOPES = `${NOTATION_GO}/verifier/testdata/timestamp/sigEnv`;
const TOKENS = `${NOTATION_GO}/verifier/testdata/timestamp/countersignature`;
const TARGET: NotaryTarget = {
  mediaType: "application/vnd.docker.distribution.manifest.v2+json",
  digest: "sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda",
  size: 528,
};
const NOW = new Date("2026-01-01T00:00:00Z");
const GLOBALSIGN_TSA = "C=BE, O=GlobalSign nv-sa, CN=Globalsign TSA for Advanced - G4 - 202311";

const globalSignRoot = () => [
  parseCertificate(corpusBytes(`${E2E}/config/timestamp/globalsignTSARoot.cer`)),
];
const alpine = () =>
  corpusText(
    `${NOTATION_GO}/verifier/testdata/truststore/x509/ca/valid-trust-store/TestTimestamp.crt`,
  );

function verifyFile(file: string, options: Partial<VerifyNotaryOptions> = {}) {
  const envelope = corpusBytes(`${ENVELOPES}/${file}`);
  return verifyNotarySignature({
    envelope,
    mediaType: file.startsWith("cose") ? COSE_MEDIA_TYPE : JWS_MEDIA_TYPE,
    target: TARGET,
    trustedCertificates: alpine(),
    now: NOW,
    ...options,
  });
}

/** A JWS envelope of the corpora with its countersignature replaced (it is unsigned, so the signature still holds). */
function withToken(file: string, token: Uint8Array): Uint8Array {
  const json = JSON.parse(new TextDecoder().decode(corpusBytes(`${ENVELOPES}/${file}`)));
  json.header["io.cncf.notary.timestampSignature"] = btoa(String.fromCharCode(...token));
  return new TextEncoder().encode(JSON.stringify(json));
}

describe.skipIf(!corporaPresent)("RFC 3161 timestamps", () => {
  it.each(["jwsWithTimestamp.sig", "coseWithTimestamp.sig"])(
    "%s: GlobalSign's timestamp verifies",
    async (file) => {
      const result = await verifyFile(file, { timestampCertificates: globalSignRoot() });
      expect(result.timestamp).toMatchObject({ status: "verified", authority: GLOBALSIGN_TSA });
      if (result.timestamp.status !== "verified") throw new Error("unreachable");
      const { time, earliest, latest } = result.timestamp;
      expect(latest.getTime() - time.getTime()).toBe(1000); // accuracy of one second
      expect(time.getTime() - earliest.getTime()).toBe(1000);
      expect(time >= result.signingTime).toBe(true);
    },
  );

  it.each(["jwsExpiredWithTimestamp.sig", "coseExpiredWithTimestamp.sig"])(
    "%s: a certificate expired since is vouched for by the timestamp alone",
    async (file) => {
      const leaf = jwsLeaf(corpusBytes(`${ENVELOPES}/jwsExpiredWithTimestamp.sig`));
      const options = { trustedCertificates: [leaf] };
      await expect(verifyFile(file, options)).rejects.toMatchObject({ code: "CERT_EXPIRED" });
      await expect(
        verifyFile(file, { ...options, timestampCertificates: globalSignRoot() }),
      ).resolves.toMatchObject({ timestamp: { status: "verified" } });
    },
  );

  it("refuses a timestamp from an authority that is not trusted", async () => {
    const digicert = parseCertificate(
      corpusBytes(`${E2E}/config/timestamp/DigiCertTSARootSHA384.cer`),
    );
    await expect(
      verifyFile("jwsWithTimestamp.sig", { timestampCertificates: [digicert] }),
    ).rejects.toMatchObject({ code: "TIMESTAMP_UNTRUSTED" });
  });

  it("refuses a timestamp over another signature", async () => {
    const other = JSON.parse(
      new TextDecoder().decode(corpusBytes(`${ENVELOPES}/jwsExpiredWithTimestamp.sig`)),
    );
    const token = Uint8Array.from(atob(other.header["io.cncf.notary.timestampSignature"]), (c) =>
      c.charCodeAt(0),
    );
    const verification = verifyNotarySignature({
      envelope: withToken("jwsWithTimestamp.sig", token),
      mediaType: JWS_MEDIA_TYPE,
      target: TARGET,
      trustedCertificates: alpine(),
      timestampCertificates: globalSignRoot(),
      now: NOW,
    });
    await expect(verification).rejects.toMatchObject({ code: "TIMESTAMP_INVALID" });
    await expect(verification).rejects.toThrow(/message imprint/);
  });

  it.each([
    ["TimeStampTokenWithInvalideContentType.p7s", /not id-ct-TSTInfo/],
    ["TimeStampTokenWithInvalidTSTInfo.p7s", /not a DER RFC 3161 token/],
    ["TimeStampTokenWithoutCertificate.p7s", /message imprint/],
  ])("refuses %s", async (file, reason) => {
    const verification = verifyNotarySignature({
      envelope: withToken("withoutTimestamp.sig", corpusBytes(`${TOKENS}/${file}`)),
      mediaType: JWS_MEDIA_TYPE,
      target: TARGET,
      trustedCertificates: alpine(),
      timestampCertificates: globalSignRoot(),
      now: NOW,
    });
    await expect(verification).rejects.toMatchObject({ code: "TIMESTAMP_INVALID" });
    await expect(verification).rejects.toThrow(reason);
  });

  it("requires a countersignature once timestamp certificates are configured", async () => {
    await expect(
      verifyFile("withoutTimestamp.sig", { timestampCertificates: globalSignRoot() }),
    ).rejects.toMatchObject({ code: "TIMESTAMP_MISSING" });
  });

  it("checks certificates at the signing time before any timestamp", async () => {
    const store = corpusText(
      `${NOTATION_GO}/verifier/testdata/truststore/x509/ca/valid-trust-store/TestTimestampNotYetValid.crt`,
    );
    await expect(
      verifyFile("timestampBeforeNotBefore.sig", {
        trustedCertificates: store,
        timestampCertificates: globalSignRoot(),
      }),
    ).rejects.toMatchObject({ code: "CERT_NOT_YET_VALID" });
  });
});

describe.skipIf(!corporaPresent)("notation's timestamped e2e layouts", () => {
  const signed = new Date("2025-01-21T10:00:00Z");

  /** The Microsoft timestamping CA, taken from the valid layout's token and configured as trusted. */
  function microsoftCa(): Certificate[] {
    const { signatures } = readLayout("e2e-with-timestamped-signature");
    const header = JSON.parse(new TextDecoder().decode(signatures[0]?.envelope)).header;
    const token = Uint8Array.from(atob(header["io.cncf.notary.timestampSignature"]), (c) =>
      c.charCodeAt(0),
    );
    return parseTimestampToken(token)
      .certificates.map((der) => parseCertificate(der))
      .filter((cert) => cert.subject.text.includes("Timestamping CA"));
  }

  function verifyLayout(name: string, now: Date, timestampCertificates?: Certificate[]) {
    const { image, signatures } = readLayout(name);
    const signature = signatures[0];
    if (signatures.length !== 1 || signature === undefined)
      throw new Error(`${name}: expected one signature`);
    return verifyNotarySignature({
      envelope: signature.envelope,
      mediaType: signature.mediaType,
      target: image,
      trustedCertificates: [jwsLeaf(signature.envelope)],
      timestampCertificates,
      now,
    });
  }

  it("e2e-with-timestamped-signature: verified timestamp, then the signer's expiry", async () => {
    await expect(
      verifyLayout("e2e-with-timestamped-signature", signed, microsoftCa()),
    ).resolves.toMatchObject({
      timestamp: { status: "verified", time: new Date("2025-01-21T09:17:46.641Z") },
      target: { annotations: { purpose: "e2e" } },
    });
    // The signer set an expiry three hours after signing; the leaf itself expired a day later.
    await expect(
      verifyLayout("e2e-with-timestamped-signature", NOW, microsoftCa()),
    ).rejects.toMatchObject({
      code: "SIGNATURE_EXPIRED",
    });
    await expect(verifyLayout("e2e-with-timestamped-signature", NOW)).rejects.toMatchObject({
      code: "CERT_EXPIRED",
    });
  });

  it("e2e-with-invalid-timestamped-signature: a broken token fails only when timestamps are required", async () => {
    await expect(
      verifyLayout("e2e-with-invalid-timestamped-signature", signed, microsoftCa()),
    ).rejects.toMatchObject({ code: "TIMESTAMP_INVALID" });
    await expect(
      verifyLayout("e2e-with-invalid-timestamped-signature", signed),
    ).resolves.toMatchObject({
      timestamp: { status: "not-verified" },
    });
  });
});
