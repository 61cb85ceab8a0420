import { encode, Tagged } from "cborg";
import { describe, expect, it } from "vitest";
import { COSE_MEDIA_TYPE, MAX_ENVELOPE_BYTES } from "../../../../src/verify/notary/index.ts";
import {
  IMAGE,
  NOW,
  payloadFor,
  SIGNED_AT,
  selfSignedSigner,
  signCose,
  signJws,
  type TestAlgorithm,
  verifyEnvelope,
} from "./support.ts";

const ALGORITHMS: TestAlgorithm[] = ["ES256", "ES384", "ES512", "PS256", "PS384"];

describe("JWS envelopes", () => {
  it.each(ALGORITHMS)("verifies %s with the matching key", async (alg) => {
    const signer = await selfSignedSigner(alg);
    const result = await verifyEnvelope(signer, await signJws(signer));
    expect(result).toMatchObject({
      format: "jws",
      algorithm: alg,
      signingScheme: "notary.x509",
      signingTime: SIGNED_AT,
      expiry: undefined,
      target: IMAGE,
      leafSubject: `CN=leaf ${alg}`,
      certificateChain: [`CN=leaf ${alg}`],
      trustedBy: `CN=leaf ${alg}`,
      timestamp: { status: "absent" },
      signingAgent: "imgverify-test",
    });
  });

  it("refuses members beyond the flattened serialization", async () => {
    const signer = await selfSignedSigner("ES256");
    const envelope = await signJws(signer, {
      edit: (json) => Object.assign(json, { signatures: [] }),
    });
    await expect(verifyEnvelope(signer, envelope)).rejects.toMatchObject({
      code: "ENVELOPE_INVALID",
    });
  });

  it("refuses padded base64url and a header member in both headers", async () => {
    const signer = await selfSignedSigner("ES256");
    const padded = await signJws(signer, {
      edit: (json) => Object.assign(json, { signature: `${json.signature}=` }),
    });
    await expect(verifyEnvelope(signer, padded)).rejects.toMatchObject({
      code: "ENVELOPE_INVALID",
    });
    const doubled = await signJws(signer, { header: { alg: "ES256" } });
    await expect(verifyEnvelope(signer, doubled)).rejects.toMatchObject({
      code: "ENVELOPE_INVALID",
    });
  });

  it("refuses text that is not a JSON object", async () => {
    const signer = await selfSignedSigner("ES256");
    for (const text of ["not json", "[]", '{"payload":'] as const) {
      await expect(verifyEnvelope(signer, new TextEncoder().encode(text))).rejects.toMatchObject({
        code: "ENVELOPE_INVALID",
      });
    }
  });

  it("refuses a missing or empty x5c and more than ten certificates", async () => {
    const signer = await selfSignedSigner("ES256");
    for (const x5c of [undefined, [], Array(11).fill("AAAA")]) {
      const envelope = await signJws(signer, { header: { x5c } });
      await expect(verifyEnvelope(signer, envelope)).rejects.toMatchObject({
        code: "ENVELOPE_INVALID",
      });
    }
  });

  it("refuses an envelope larger than the limit before parsing it", async () => {
    const signer = await selfSignedSigner("ES256");
    const huge = new Uint8Array(MAX_ENVELOPE_BYTES + 1);
    await expect(verifyEnvelope(signer, huge)).rejects.toMatchObject({ code: "ENVELOPE_INVALID" });
  });

  it("refuses envelope media types other than JWS and COSE", async () => {
    const signer = await selfSignedSigner("ES256");
    await expect(
      verifyEnvelope(signer, await signJws(signer), {
        mediaType: "application/vnd.oci.image.layer.v1.tar",
      }),
    ).rejects.toMatchObject({ code: "ENVELOPE_UNSUPPORTED" });
  });
});

describe("COSE envelopes", () => {
  it.each(ALGORITHMS)("verifies %s with the matching key", async (alg) => {
    const signer = await selfSignedSigner(alg);
    const result = await verifyEnvelope(signer, await signCose(signer), {
      mediaType: COSE_MEDIA_TYPE,
    });
    expect(result).toMatchObject({
      format: "cose",
      algorithm: alg,
      signingTime: SIGNED_AT,
      target: IMAGE,
      leafSubject: `CN=leaf ${alg}`,
    });
  });

  it("takes a single certificate as a byte string and an expiry as tag 1", async () => {
    const signer = await selfSignedSigner("ES256");
    const expiry = new Date(NOW.getTime() + 3600_000);
    const envelope = await signCose(signer, {
      protected: [
        [2, ["io.cncf.notary.signingScheme", "io.cncf.notary.expiry"]],
        ["io.cncf.notary.expiry", new Tagged(1, expiry.getTime() / 1000)],
      ],
      unprotected: [[33, signer.leaf.der]],
    });
    const result = await verifyEnvelope(signer, envelope, { mediaType: COSE_MEDIA_TYPE });
    expect(result.expiry).toEqual(expiry);
  });

  it("refuses an untagged message, trailing bytes, repeated labels and indefinite lengths", async () => {
    const signer = await selfSignedSigner("ES256");
    const tagged = await signCose(signer);
    const rebuilt = (protectedBytes: Uint8Array, payload: unknown = payloadFor()) =>
      encode(
        new Tagged(18, [
          protectedBytes,
          new Map([[33, [signer.leaf.der]]]),
          payload,
          new Uint8Array(64),
        ]),
      );
    const cases: [Uint8Array, RegExp][] = [
      [tagged.subarray(1), /tag 18/],
      [new Uint8Array([...tagged, 0]), /not valid CBOR/],
      // Label 1 twice: a2 01 26 01 26.
      [rebuilt(new Uint8Array([0xa2, 0x01, 0x26, 0x01, 0x26])), /repeat map key/],
      // An indefinite-length map: bf 01 26 ff.
      [rebuilt(new Uint8Array([0xbf, 0x01, 0x26, 0xff])), /indefinite length/],
      [rebuilt(encode(new Map([[1, -7]])), null), /detached/],
    ];
    for (const [envelope, reason] of cases) {
      const verification = verifyEnvelope(signer, envelope, { mediaType: COSE_MEDIA_TYPE });
      await expect(verification).rejects.toMatchObject({ code: "ENVELOPE_INVALID" });
      await expect(verification).rejects.toThrow(reason);
    }
  });

  it("refuses a signing time that is not tag 1", async () => {
    const signer = await selfSignedSigner("ES256");
    const untaggedTime = await signCose(signer, {
      protected: [["io.cncf.notary.signingTime", Math.floor(SIGNED_AT.getTime() / 1000)]],
    });
    const verification = verifyEnvelope(signer, untaggedTime, { mediaType: COSE_MEDIA_TYPE });
    await expect(verification).rejects.toMatchObject({ code: "ENVELOPE_INVALID" });
    await expect(verification).rejects.toThrow(/signingTime is not an epoch date\/time/);
  });

  it("refuses a signature over anything but the Sig_structure", async () => {
    const signer = await selfSignedSigner("ES256");
    const envelope = await signCose(signer, {
      signedBytes: (sigStructure) => sigStructure.subarray(1),
    });
    await expect(
      verifyEnvelope(signer, envelope, { mediaType: COSE_MEDIA_TYPE }),
    ).rejects.toMatchObject({ code: "SIGNATURE_INVALID" });
  });
});
