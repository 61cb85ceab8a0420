import { describe, expect, it } from "vitest";
import { COSE_MEDIA_TYPE, type NotaryErrorCode } from "../../../../src/verify/notary/index.ts";
import { epoch, NOW, selfSignedSigner, signCose, signJws, verifyEnvelope } from "./support.ts";

const SCHEME = "io.cncf.notary.signingScheme";
const EXPIRY = "io.cncf.notary.expiry";
const SIGNING_TIME = "io.cncf.notary.signingTime";
const AUTHENTIC = "io.cncf.notary.authenticSigningTime";

async function jwsFails(
  protectedHeader: Record<string, unknown>,
  code: NotaryErrorCode,
  reason: RegExp,
): Promise<void> {
  const signer = await selfSignedSigner("ES256");
  const verification = verifyEnvelope(
    signer,
    await signJws(signer, { protected: protectedHeader }),
  );
  await expect(verification).rejects.toMatchObject({ code });
  await expect(verification).rejects.toThrow(reason);
}

describe("the signing algorithm", () => {
  it("must be one of the six Notary Project algorithms", async () => {
    for (const alg of ["none", "HS256", "RS256", "EdDSA", undefined]) {
      await jwsFails({ alg }, "ALGORITHM_UNSUPPORTED", /not a Notary Project algorithm/);
    }
  });

  it("must be the one the signing key calls for", async () => {
    await jwsFails({ alg: "ES384" }, "ALGORITHM_MISMATCH", /calls for ES256/);
    const rsa = await selfSignedSigner("PS256");
    const verification = verifyEnvelope(rsa, await signJws(rsa, { protected: { alg: "PS384" } }));
    await expect(verification).rejects.toMatchObject({ code: "ALGORITHM_MISMATCH" });
    const cose = await signCose(rsa, { protected: [[1, -38]] });
    await expect(verifyEnvelope(rsa, cose, { mediaType: COSE_MEDIA_TYPE })).rejects.toMatchObject({
      code: "ALGORITHM_MISMATCH",
    });
  });
});

describe("content type and signing scheme", () => {
  it("refuses other payload types and schemes as unsupported, and their absence as invalid", async () => {
    await jwsFails({ cty: "application/json" }, "ENVELOPE_UNSUPPORTED", /payload content type/);
    await jwsFails({ cty: undefined }, "ENVELOPE_INVALID", /content type is missing/);
    await jwsFails({ [SCHEME]: "notary.default.x509" }, "ENVELOPE_UNSUPPORTED", /signing scheme/);
    await jwsFails({ [SCHEME]: undefined }, "ENVELOPE_INVALID", /signingScheme is missing/);
  });

  it("requires the time header of the scheme and refuses the other one", async () => {
    await jwsFails({ [SIGNING_TIME]: undefined }, "ENVELOPE_INVALID", /signingTime is required/);
    await jwsFails(
      { [AUTHENTIC]: "2025-06-01T00:00:00Z" },
      "ENVELOPE_INVALID",
      /authenticSigningTime is not allowed/,
    );
  });

  it("reads RFC 3339 times with offsets and refuses impossible ones", async () => {
    const signer = await selfSignedSigner("ES256");
    const envelope = await signJws(signer, {
      protected: { [SIGNING_TIME]: "2025-06-01T08:30:00.5+08:30" },
    });
    const result = await verifyEnvelope(signer, envelope);
    expect(result.signingTime.toISOString()).toBe("2025-06-01T00:00:00.500Z");
    for (const text of [
      "2025-02-30T00:00:00Z",
      "2025-06-01 00:00:00Z",
      "2025-06-01T24:00:00Z",
      1748736000,
    ]) {
      await jwsFails({ [SIGNING_TIME]: text }, "ENVELOPE_INVALID", /not an RFC 3339 date-time/);
    }
  });
});

describe("crit", () => {
  it("must exist and list the signing scheme", async () => {
    await jwsFails({ crit: undefined }, "ENVELOPE_INVALID", /crit is missing/);
    await jwsFails({ crit: [] }, "ENVELOPE_INVALID", /crit is missing/);
    await jwsFails(
      { crit: [EXPIRY], [EXPIRY]: "2030-01-01T00:00:00Z" },
      "ENVELOPE_INVALID",
      /signingScheme must be marked critical/,
    );
  });

  it("must list the expiry when there is one", async () => {
    await jwsFails(
      { [EXPIRY]: "2030-01-01T00:00:00Z" },
      "ENVELOPE_INVALID",
      /expiry must be marked critical/,
    );
  });

  it("must not list absent headers or the same header twice", async () => {
    await jwsFails(
      { crit: [SCHEME, EXPIRY] },
      "ENVELOPE_INVALID",
      /marked critical but is not present/,
    );
    await jwsFails({ crit: [SCHEME, SCHEME] }, "ENVELOPE_INVALID", /twice/);
  });

  it("fails verification on a critical header imgverify does not process", async () => {
    await jwsFails(
      {
        crit: [SCHEME, "io.cncf.notary.verificationPlugin"],
        "io.cncf.notary.verificationPlugin": "com.example.plugin",
      },
      "CRITICAL_HEADER_UNSUPPORTED",
      /verificationPlugin/,
    );
    const signer = await selfSignedSigner("ES256");
    const cose = await signCose(signer, { protected: [[2, [SCHEME, 3]]] });
    await expect(
      verifyEnvelope(signer, cose, { mediaType: COSE_MEDIA_TYPE }),
    ).rejects.toMatchObject({ code: "CRITICAL_HEADER_UNSUPPORTED" });
  });

  it("ignores non-critical extended headers", async () => {
    const signer = await selfSignedSigner("ES256");
    const envelope = await signJws(signer, { protected: { "io.example.note": "hello" } });
    await expect(verifyEnvelope(signer, envelope)).resolves.toMatchObject({ algorithm: "ES256" });
  });
});

describe("the signingAuthority scheme", () => {
  const authority = {
    [SCHEME]: "notary.x509.signingAuthority",
    [SIGNING_TIME]: undefined,
    [AUTHENTIC]: "2025-06-01T00:00:00Z",
    crit: [SCHEME, AUTHENTIC],
  };

  it("verifies through a signingAuthority trust store, at its authentic signing time", async () => {
    const signer = await selfSignedSigner("ES256");
    const envelope = await signJws(signer, { protected: authority });
    const result = await verifyEnvelope(signer, envelope, { trustStoreType: "signingAuthority" });
    expect(result).toMatchObject({
      signingScheme: "notary.x509.signingAuthority",
      signingTime: new Date("2025-06-01T00:00:00Z"),
    });
    // Checked at the authentic time only: the certificate may have expired since.
    const later = new Date("2040-01-01T00:00:00Z");
    await expect(
      verifyEnvelope(signer, envelope, { trustStoreType: "signingAuthority", now: later }),
    ).resolves.toMatchObject({ signingScheme: "notary.x509.signingAuthority" });
  });

  it("is not trusted through a CA trust store (Kyverno's certs), nor the reverse", async () => {
    const signer = await selfSignedSigner("ES256");
    const envelope = await signJws(signer, { protected: authority });
    await expect(verifyEnvelope(signer, envelope)).rejects.toMatchObject({ code: "UNTRUSTED" });
    await expect(
      verifyEnvelope(signer, await signJws(signer), { trustStoreType: "signingAuthority" }),
    ).rejects.toMatchObject({ code: "UNTRUSTED" });
  });

  it("requires the authentic signing time to be critical", async () => {
    await jwsFails(
      { ...authority, crit: [SCHEME] },
      "ENVELOPE_INVALID",
      /authenticSigningTime must be marked critical/,
    );
    const signer = await selfSignedSigner("ES256");
    const cose = await signCose(signer, {
      protected: [
        [SCHEME, "notary.x509.signingAuthority"],
        [SIGNING_TIME, undefined],
        [AUTHENTIC, epoch(NOW)],
        [2, [SCHEME, AUTHENTIC]],
      ],
    });
    await expect(
      verifyEnvelope(signer, cose, {
        mediaType: COSE_MEDIA_TYPE,
        trustStoreType: "signingAuthority",
      }),
    ).resolves.toMatchObject({ signingTime: new Date(Math.floor(NOW.getTime() / 1000) * 1000) });
  });
});
