import { beforeAll, describe, expect, it } from "vitest";
import {
  type CosignTrust,
  type KeyPolicy,
  prepareCosignTrust,
  verifyCosignSignature,
} from "../../../../src/verify/cosign/index.ts";
import {
  type KeySpec,
  type SignOptions,
  type TestKey,
  testKey,
  toBase64,
} from "../../crypto/fixtures.ts";
import {
  freshKey,
  IMAGE_DIGEST,
  OTHER_DIGEST,
  rejectsWith,
  simpleSigning,
  TAMPER_LOOP,
} from "./fixtures.ts";

const NOW = new Date("2025-03-01T12:00:00Z");
let trust: CosignTrust;

beforeAll(() => {
  trust = prepareCosignTrust({
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
  });
});

async function signatureLayer(key: TestKey, payload = simpleSigning(), options?: SignOptions) {
  return {
    layer: payload,
    annotations: {
      "dev.cosignproject.cosign/signature": toBase64(await key.sign(payload, options)),
    },
  };
}

function keyPolicy(keys: string | string[], extra: Partial<KeyPolicy> = {}): KeyPolicy {
  return { kind: "key", keys, rekor: { ignoreTlog: true }, ...extra };
}

describe("cosign signatures with public keys", () => {
  const cases: [string, KeySpec, SignOptions][] = [
    ["ECDSA P-256", "P-256", {}],
    ["ECDSA P-384", "P-384", {}],
    ["Ed25519", "Ed25519", {}],
    ["RSA PKCS#1 v1.5", "RSA-2048", {}],
    ["RSA-PSS", "RSA-2048", { padding: "pss", saltLength: 32 }],
  ];
  it.each(cases)(
    "verifies a %s signature over a simple-signing payload",
    async (_, spec, options) => {
      const key = await testKey(spec);
      const payload = simpleSigning({ optional: { team: "payments" } });
      const result = await verifyCosignSignature({
        ...(await signatureLayer(key, payload, options)),
        imageDigest: IMAGE_DIGEST,
        policy: keyPolicy(key.pem),
        trust,
        now: NOW,
      });
      expect(result.signer).toEqual({
        kind: "key",
        keyIndex: 0,
        keyId: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(result.dockerReference).toBe("registry.test/app");
      expect(result.signatureType).toBe("cosign container image signature");
      expect(result.annotations).toEqual({ team: "payments" });
      expect(result.tlog).toBeUndefined();
      expect(result.signedAt).toEqual(NOW);
    },
  );

  it("takes the signature digest from signatureAlgorithm, and fails on another one", async () => {
    const key = await testKey("P-256");
    const layer = await signatureLayer(key, simpleSigning(), { hash: "sha512" });
    const base = { ...layer, imageDigest: IMAGE_DIGEST, trust, now: NOW };
    const result = await verifyCosignSignature({
      ...base,
      policy: keyPolicy(key.pem, { signatureAlgorithm: "sha512" }),
    });
    expect(result.signer.kind).toBe("key");
    await rejectsWith(
      verifyCosignSignature({ ...base, policy: keyPolicy(key.pem) }),
      "SIGNATURE_INVALID",
    );
  });

  it("accepts any of several keys and reports the one that verified", async () => {
    const [other, signer] = [await freshKey(), await testKey("Ed25519")];
    const base = { ...(await signatureLayer(signer)), imageDigest: IMAGE_DIGEST, trust, now: NOW };
    const listed = await verifyCosignSignature({
      ...base,
      policy: keyPolicy([other.pem, signer.pem]),
    });
    expect(listed.signer).toMatchObject({ keyIndex: 1 });
    const concatenated = await verifyCosignSignature({
      ...base,
      policy: keyPolicy(`${other.pem}\n${signer.pem}`),
    });
    expect(concatenated.signer).toMatchObject({ keyIndex: 1 });
  });

  it("fails with SIGNATURE_INVALID under a wrong key, naming the keys tried", async () => {
    const [signer, wrong] = [await freshKey(), await testKey("RSA-2048")];
    const code = await rejectsWith(
      verifyCosignSignature({
        ...(await signatureLayer(signer)),
        imageDigest: IMAGE_DIGEST,
        policy: keyPolicy(wrong.pem),
        trust,
        now: NOW,
      }),
      "SIGNATURE_INVALID",
    );
    expect(code).toBe("SIGNATURE_INVALID");
  });

  it("fails a valid signature whose payload names another image", async () => {
    const key = await testKey("P-256");
    await rejectsWith(
      verifyCosignSignature({
        ...(await signatureLayer(key, simpleSigning({ digest: OTHER_DIGEST }))),
        imageDigest: IMAGE_DIGEST,
        policy: keyPolicy(key.pem),
        trust,
        now: NOW,
      }),
      "PAYLOAD_DIGEST_MISMATCH",
    );
  });

  it("accepts the atomic container signature type and refuses others", async () => {
    const key = await testKey("P-256");
    const verify = async (type: string) =>
      verifyCosignSignature({
        ...(await signatureLayer(key, simpleSigning({ type }))),
        imageDigest: IMAGE_DIGEST,
        policy: keyPolicy(key.pem),
        trust,
        now: NOW,
      });
    expect((await verify("atomic container signature")).signatureType).toBe(
      "atomic container signature",
    );
    await rejectsWith(verify("cosign attestation"), "PAYLOAD_TYPE_INVALID");
  });

  it("refuses malformed payloads and signatures with their own codes", async () => {
    const key = await testKey("P-256");
    const base = { imageDigest: IMAGE_DIGEST, policy: keyPolicy(key.pem), trust, now: NOW };
    const encoder = new TextEncoder();
    const notJson = encoder.encode("{critical");
    await rejectsWith(
      verifyCosignSignature({ ...base, ...(await signatureLayer(key, notJson)) }),
      "PAYLOAD_INVALID",
    );
    const noDigest = encoder.encode(
      JSON.stringify({ critical: { image: {}, type: "cosign container image signature" } }),
    );
    await rejectsWith(
      verifyCosignSignature({ ...base, ...(await signatureLayer(key, noDigest)) }),
      "PAYLOAD_INVALID",
    );
    const layer = simpleSigning();
    await rejectsWith(
      verifyCosignSignature({ ...base, layer, annotations: {} }),
      "SIGNATURE_MISSING",
    );
    await rejectsWith(
      verifyCosignSignature({
        ...base,
        layer,
        annotations: { "dev.cosignproject.cosign/signature": "not base64!" },
      }),
      "SIGNATURE_INVALID",
    );
  });

  it("refuses unusable policies and inputs before reading the layer", async () => {
    const key = await testKey("P-256");
    const base = { ...(await signatureLayer(key)), imageDigest: IMAGE_DIGEST, trust, now: NOW };
    await rejectsWith(
      verifyCosignSignature({ ...base, policy: keyPolicy("not a key") }),
      "POLICY_INVALID",
    );
    await rejectsWith(verifyCosignSignature({ ...base, policy: keyPolicy([]) }), "POLICY_INVALID");
    await rejectsWith(
      verifyCosignSignature({
        ...base,
        policy: keyPolicy(key.pem, { signatureAlgorithm: "sha224" }),
      }),
      "POLICY_INVALID",
    );
    await rejectsWith(
      verifyCosignSignature({
        ...base,
        imageDigest: IMAGE_DIGEST.toUpperCase(),
        policy: keyPolicy(key.pem),
      }),
      "INPUT_INVALID",
    );
  });

  it("requires a transparency log entry unless rekor.ignoreTlog is set", async () => {
    const key = await testKey("P-256");
    await rejectsWith(
      verifyCosignSignature({
        ...(await signatureLayer(key)),
        imageDigest: IMAGE_DIGEST,
        policy: { kind: "key", keys: key.pem },
        trust,
        now: NOW,
      }),
      "TLOG_MISSING",
    );
  });

  it("fails on every single-byte change of the payload or the signature", TAMPER_LOOP, async () => {
    const key = await testKey("P-256");
    const payload = simpleSigning();
    const signature = await key.sign(payload);
    const verify = (layer: Uint8Array, sig: Uint8Array) =>
      verifyCosignSignature({
        layer,
        annotations: { "dev.cosignproject.cosign/signature": toBase64(sig) },
        imageDigest: IMAGE_DIGEST,
        policy: keyPolicy(key.pem),
        trust,
        now: NOW,
      });
    await expect(verify(payload, signature)).resolves.toBeDefined();
    for (let i = 0; i < payload.length; i++) {
      const changed = Uint8Array.from(payload);
      changed[i] = (changed[i] as number) ^ 0x01;
      await rejectsWith(
        verify(changed, signature),
        "PAYLOAD_INVALID",
        "PAYLOAD_TYPE_INVALID",
        "PAYLOAD_DIGEST_MISMATCH",
        "SIGNATURE_INVALID",
      );
    }
    for (let i = 0; i < signature.length; i++) {
      const changed = Uint8Array.from(signature);
      changed[i] = (changed[i] as number) ^ 0x01;
      await rejectsWith(verify(payload, changed), "SIGNATURE_INVALID");
    }
  });
});
