import { describe, expect, it } from "vitest";
import {
  IMAGE,
  LEAF_EXTENSIONS,
  NOW,
  payloadFor,
  pemOf,
  SIGNED_AT,
  selfSignedSigner,
  signJws,
  verifyEnvelope,
} from "./support.ts";

const EXPIRY = "io.cncf.notary.expiry";
const withExpiry = (expiry: string) => ({
  crit: ["io.cncf.notary.signingScheme", EXPIRY],
  [EXPIRY]: expiry,
});

describe("certificate validity", () => {
  it("is checked at the signing time", async () => {
    const late = await selfSignedSigner("ES256", LEAF_EXTENSIONS(), {
      notBefore: new Date("2025-06-15T00:00:00Z"),
    });
    const verification = verifyEnvelope(late, await signJws(late));
    await expect(verification).rejects.toMatchObject({ code: "CERT_NOT_YET_VALID" });
    await expect(verification).rejects.toThrow(/checked at the signing time/);
  });

  it("is checked at the verification time when no timestamp is trusted", async () => {
    const short = await selfSignedSigner("ES256", LEAF_EXTENSIONS(), {
      notAfter: new Date("2025-06-15T00:00:00Z"),
    });
    const envelope = await signJws(short);
    const verification = verifyEnvelope(short, envelope);
    await expect(verification).rejects.toMatchObject({ code: "CERT_EXPIRED" });
    await expect(verification).rejects.toThrow(/checked at the verification time/);
    await expect(
      verifyEnvelope(short, envelope, { now: new Date("2025-06-10T00:00:00Z") }),
    ).resolves.toMatchObject({ algorithm: "ES256" });
  });

  it("is not vouched for by a countersignature nobody trusts", async () => {
    const signer = await selfSignedSigner("ES256");
    const envelope = await signJws(signer, {
      header: { "io.cncf.notary.timestampSignature": "MAMCAQA=" },
    });
    await expect(verifyEnvelope(signer, envelope)).resolves.toMatchObject({
      timestamp: {
        status: "not-verified",
        reason: expect.stringMatching(/no timestamp certificates/),
      },
    });
  });

  it("needs a verified countersignature once timestamp certificates are configured", async () => {
    const signer = await selfSignedSigner("ES256");
    const tsa = pemOf(...(await selfSignedSigner("ES384")).chain);
    await expect(
      verifyEnvelope(signer, await signJws(signer), { timestampCertificates: tsa }),
    ).rejects.toMatchObject({ code: "TIMESTAMP_MISSING" });
    const garbage = await signJws(signer, {
      header: { "io.cncf.notary.timestampSignature": "MAMCAQA=" },
    });
    await expect(
      verifyEnvelope(signer, garbage, { timestampCertificates: tsa }),
    ).rejects.toMatchObject({ code: "TIMESTAMP_INVALID" });
  });
});

describe("expiry", () => {
  it("fails once the signer's expiry has passed, and at the instant itself", async () => {
    const signer = await selfSignedSigner("ES256");
    for (const expiry of ["2025-06-30T00:00:00Z", NOW.toISOString()]) {
      const envelope = await signJws(signer, { protected: withExpiry(expiry) });
      await expect(verifyEnvelope(signer, envelope)).rejects.toMatchObject({
        code: "SIGNATURE_EXPIRED",
      });
    }
  });

  it("is reported while it lies ahead", async () => {
    const signer = await selfSignedSigner("ES256");
    const envelope = await signJws(signer, { protected: withExpiry("2025-08-01T00:00:00+02:00") });
    const result = await verifyEnvelope(signer, envelope);
    expect(result.expiry).toEqual(new Date("2025-07-31T22:00:00Z"));
    expect(result.signingTime).toEqual(SIGNED_AT);
  });
});

describe("the signed target", () => {
  it("must be the image's descriptor", async () => {
    const signer = await selfSignedSigner("ES256");
    const others = [
      { ...IMAGE, digest: `sha256:${"cd".repeat(32)}` },
      { ...IMAGE, size: IMAGE.size + 1 },
      { ...IMAGE, mediaType: "application/vnd.docker.distribution.manifest.v2+json" },
    ];
    for (const other of others) {
      const verification = verifyEnvelope(
        signer,
        await signJws(signer, { payload: payloadFor(other) }),
      );
      await expect(verification).rejects.toMatchObject({ code: "TARGET_MISMATCH" });
      await expect(verification).rejects.toThrow(/signature is for another artifact/);
    }
  });

  it("returns the signer's annotations", async () => {
    const signer = await selfSignedSigner("ES256");
    const target = { ...IMAGE, annotations: { "io.example.build": "42" } };
    const result = await verifyEnvelope(
      signer,
      await signJws(signer, { payload: payloadFor(target) }),
    );
    expect(result.target).toEqual(target);
  });

  it("must be a complete descriptor in a JSON payload", async () => {
    const signer = await selfSignedSigner("ES256");
    const encoder = new TextEncoder();
    const payloads = [
      encoder.encode("not json"),
      encoder.encode("{}"),
      encoder.encode(JSON.stringify({ targetArtifact: { ...IMAGE, size: -1 } })),
      encoder.encode(JSON.stringify({ targetArtifact: { ...IMAGE, digest: "sha256" } })),
      encoder.encode(JSON.stringify({ targetArtifact: { ...IMAGE, annotations: { a: 1 } } })),
    ];
    for (const payload of payloads) {
      await expect(
        verifyEnvelope(signer, await signJws(signer, { payload })),
      ).rejects.toMatchObject({ code: "PAYLOAD_INVALID" });
    }
  });

  it("names the image in every message", async () => {
    const signer = await selfSignedSigner("ES256");
    const other = { ...IMAGE, size: 1 };
    await expect(verifyEnvelope(signer, await signJws(signer), { target: other })).rejects.toThrow(
      `Notary signature over ${IMAGE.digest}:`,
    );
  });

  it("refuses an unusable descriptor or time", async () => {
    const signer = await selfSignedSigner("ES256");
    const envelope = await signJws(signer);
    const broken = { ...IMAGE, size: "1234" } as unknown as typeof IMAGE;
    for (const options of [{ target: broken }, { now: new Date(Number.NaN) }]) {
      await expect(verifyEnvelope(signer, envelope, options)).rejects.toMatchObject({
        code: "OPTIONS_INVALID",
      });
    }
  });
});
