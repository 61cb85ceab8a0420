/**
 * notation's e2e OCI layouts, verified with its e2e certificates, against the
 * outcomes its e2e suite expects at the "strict" level (the level Kyverno
 * uses): test/e2e/suite/trustpolicy/verification_level.go. notation names the
 * failed check; each maps to codes here: integrity -> ENVELOPE_* /
 * SIGNATURE_INVALID, authenticity -> UNTRUSTED, authenticTimestamp ->
 * CERT_EXPIRED, expiry -> SIGNATURE_EXPIRED.
 */
import { describe, expect, it } from "vitest";
import {
  JWS_MEDIA_TYPE,
  type NotaryErrorCode,
  type NotaryResult,
  verifyNotarySignature,
} from "../../../../src/verify/notary/index.ts";
import { corporaPresent, corpusText, E2E, type LayoutSignature, readLayout } from "./corpora.ts";

const NOW = new Date("2026-01-01T00:00:00Z");
const keys = (file: string) => corpusText(`${E2E}/config/localkeys/${file}`);

function verify(
  layout: string,
  signature: LayoutSignature,
  trustedCertificates: string,
  now = NOW,
): Promise<NotaryResult> {
  const { image } = readLayout(layout);
  return verifyNotarySignature({
    envelope: signature.envelope,
    mediaType: signature.mediaType,
    target: image,
    trustedCertificates,
    now,
  });
}

function only(layout: string): LayoutSignature {
  const { signatures } = readLayout(layout);
  expect(signatures).toHaveLength(1);
  return signatures[0] as LayoutSignature;
}

async function outcome(promise: Promise<NotaryResult>): Promise<"pass" | NotaryErrorCode> {
  try {
    await promise;
    return "pass";
  } catch (err) {
    return (err as { code: NotaryErrorCode }).code;
  }
}

describe.skipIf(!corporaPresent)("notation e2e layouts", () => {
  it("e2e: an unsigned image has no signature manifests", () => {
    expect(readLayout("e2e").signatures).toEqual([]);
  });

  it("e2e-valid-signature passes with e2e.crt", async () => {
    const result = await verify(
      "e2e-valid-signature",
      only("e2e-valid-signature"),
      keys("e2e.crt"),
    );
    expect(result).toMatchObject({
      format: "jws",
      algorithm: "PS256",
      signingScheme: "notary.x509",
      signingTime: new Date("2023-06-27T05:30:33Z"),
      target: readLayout("e2e-valid-signature").image,
      leafSubject: "C=US, ST=WA, L=Seattle, O=Notary, CN=e2e",
      timestamp: { status: "absent" },
    });
  });

  it("strict level with invalid authenticity: e2e-valid-signature with new_e2e.crt is UNTRUSTED", async () => {
    const verification = verify(
      "e2e-valid-signature",
      only("e2e-valid-signature"),
      keys("new_e2e.crt"),
    );
    await expect(verification).rejects.toMatchObject({ code: "UNTRUSTED" });
  });

  it("e2e-valid-multiple-signatures: one signature by e2e.crt passes, the other signer is untrusted", async () => {
    const { signatures } = readLayout("e2e-valid-multiple-signatures");
    const outcomes = await Promise.all(
      signatures.map((signature) =>
        outcome(verify("e2e-valid-multiple-signatures", signature, keys("e2e.crt"))),
      ),
    );
    expect(outcomes.sort()).toEqual(["UNTRUSTED", "pass"]);
  });

  it("strict level with invalid integrity: e2e-invalid-signature is not an envelope", async () => {
    const signature = only("e2e-invalid-signature");
    expect(signature.mediaType).toBe("application/vnd.oci.image.layer.v1.tar");
    await expect(verify("e2e-invalid-signature", signature, keys("e2e.crt"))).rejects.toMatchObject(
      {
        code: "ENVELOPE_UNSUPPORTED",
      },
    );
    // Declared as JWS, the same bytes are no JWS envelope.
    await expect(
      verify("e2e-invalid-signature", { ...signature, mediaType: JWS_MEDIA_TYPE }, keys("e2e.crt")),
    ).rejects.toMatchObject({ code: "ENVELOPE_INVALID" });
  });

  it("strict level with expired signature: e2e-expired-signature is SIGNATURE_EXPIRED", async () => {
    const signature = only("e2e-expired-signature");
    const verification = verify("e2e-expired-signature", signature, keys("e2e.crt"));
    await expect(verification).rejects.toMatchObject({ code: "SIGNATURE_EXPIRED" });
    await expect(verification).rejects.toThrow(/expired at 2023-06-27T05:21:21.000Z/);
    // Before its expiry the same signature passes.
    const before = new Date("2023-06-27T05:21:00Z");
    await expect(
      verify("e2e-expired-signature", signature, keys("e2e.crt"), before),
    ).resolves.toMatchObject({
      expiry: new Date("2023-06-27T05:21:21Z"),
    });
  });

  it("strict level with expired authentic timestamp: e2e-with-expired-cert is CERT_EXPIRED", async () => {
    const signature = only("e2e-with-expired-cert");
    const verification = verify("e2e-with-expired-cert", signature, keys("expired_e2e.crt"));
    await expect(verification).rejects.toMatchObject({ code: "CERT_EXPIRED" });
    await expect(verification).rejects.toThrow(/checked at the verification time/);
    // While the certificate was still valid (it lived one day), the signature passed.
    const then = new Date("2023-06-27T06:09:00Z");
    await expect(
      verify("e2e-with-expired-cert", signature, keys("expired_e2e.crt"), then),
    ).resolves.toMatchObject({ leafSubject: "O=Internet Widgits Pty Ltd, ST=Some-State, C=AU" });
  });

  it("a signature for another image is TARGET_MISMATCH", async () => {
    const signature = only("e2e-valid-signature");
    const other = readLayout("e2e-with-timestamped-signature").image;
    await expect(
      verifyNotarySignature({
        envelope: signature.envelope,
        mediaType: signature.mediaType,
        target: other,
        trustedCertificates: keys("e2e.crt"),
        now: NOW,
      }),
    ).rejects.toMatchObject({ code: "TARGET_MISMATCH" });
  });
});
