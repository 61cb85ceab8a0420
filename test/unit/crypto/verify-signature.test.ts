import { describe, expect, test } from "vitest";
import type { PublicKey } from "../../../src/crypto/public-key.ts";
import { parsePublicKeySpki } from "../../../src/crypto/public-key.ts";
import { parsePublicKeyPem } from "../../../src/crypto/public-key-pem.ts";
import {
  type VerifyOptions,
  verifySignature,
} from "../../../src/crypto/signature/verify-signature.ts";
import { rejectedCode } from "../../support/errors.ts";
import { corporaPresent, corpusBytes, corpusText, SIGSTORE_RS } from "./corpora.ts";
import { fromBase64, type KeySpec, type TestHash, testKey } from "./fixtures.ts";

const data = new TextEncoder().encode(
  '{"critical":{"image":{"docker-manifest-digest":"sha256:00"}}}',
);
const otherData = new TextEncoder().encode(
  '{"critical":{"image":{"docker-manifest-digest":"sha256:01"}}}',
);

async function keyOf(spec: KeySpec): Promise<PublicKey> {
  return parsePublicKeySpki((await testKey(spec)).spki);
}

function flipLastByte(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[copy.length - 1] = (copy[copy.length - 1] as number) ^ 1;
  return copy;
}

describe("verifySignature with keys made here", () => {
  const cases: [KeySpec, TestHash, VerifyOptions["rsaPadding"]][] = [
    ["P-256", "sha256", undefined],
    ["P-256", "sha384", undefined],
    ["P-384", "sha384", undefined],
    ["P-384", "sha256", undefined],
    ["P-521", "sha512", undefined],
    ["RSA-2048", "sha256", "pkcs1v15"],
    ["RSA-2048", "sha512", "pkcs1v15"],
    ["RSA-2048", "sha256", "pss"],
    ["RSA-3072", "sha384", "pss"],
  ];

  test.each(cases)(
    "%s with %s (%s) verifies, and refuses other data",
    async (spec, hash, rsaPadding) => {
      const signer = await testKey(spec);
      const key = await keyOf(spec);
      const saltLength = hash === "sha384" ? 48 : hash === "sha512" ? 64 : 32;
      const signature = await signer.sign(data, { hash, padding: rsaPadding, saltLength });
      const options = { hash, rsaPadding };
      expect(await verifySignature(key, data, signature, options)).toBe(true);
      expect(await verifySignature(key, otherData, signature, options)).toBe(false);
      if (spec.startsWith("RSA")) {
        expect(await verifySignature(key, data, flipLastByte(signature), options)).toBe(false);
      }
    },
  );

  test("the hash must match the one signed with", async () => {
    const signature = await (await testKey("P-256")).sign(data, { hash: "sha384" });
    expect(await verifySignature(await keyOf("P-256"), data, signature, { hash: "sha256" })).toBe(
      false,
    );
  });

  test("Ed25519 is pure EdDSA: verifies whatever hash is named", async () => {
    const signature = await (await testKey("Ed25519")).sign(data);
    const key = await keyOf("Ed25519");
    expect(await verifySignature(key, data, signature)).toBe(true);
    expect(await verifySignature(key, data, signature, { hash: "sha512" })).toBe(true);
    expect(await verifySignature(key, otherData, signature)).toBe(false);
    expect(await verifySignature(key, data, flipLastByte(signature))).toBe(false);
  });

  test("ECDSA r||s signatures (JWS, COSE) verify with ecdsaFormat p1363", async () => {
    const raw = await (await testKey("P-384")).sign(data, { hash: "sha384", format: "p1363" });
    const key = await keyOf("P-384");
    expect(await verifySignature(key, data, raw, { hash: "sha384", ecdsaFormat: "p1363" })).toBe(
      true,
    );
    expect(await rejectedCode(() => verifySignature(key, data, raw, { hash: "sha384" }))).toBe(
      "SIGNATURE_MALFORMED",
    );
    expect(
      await rejectedCode(() =>
        verifySignature(key, data, raw.subarray(1), { ecdsaFormat: "p1363" }),
      ),
    ).toBe("SIGNATURE_MALFORMED");
  });

  test("RSA-PSS auto accepts the digest-length and the maximum salt, and nothing else", async () => {
    const signer = await testKey("RSA-2048");
    const key = await keyOf("RSA-2048");
    const maxSalt = 256 - 32 - 2;
    const pss = { rsaPadding: "pss" } as const;
    for (const saltLength of [32, maxSalt]) {
      const signature = await signer.sign(data, { padding: "pss", saltLength });
      expect(await verifySignature(key, data, signature, pss)).toBe(true);
    }
    const salt20 = await signer.sign(data, { padding: "pss", saltLength: 20 });
    expect(await verifySignature(key, data, salt20, pss)).toBe(false);
    expect(await verifySignature(key, data, salt20, { ...pss, pssSaltLength: 20 })).toBe(true);
    expect(
      await rejectedCode(() =>
        verifySignature(key, data, salt20, { ...pss, pssSaltLength: maxSalt + 1 }),
      ),
    ).toBe("ALGORITHM_UNSUPPORTED");
  });

  test("a PKCS#1 v1.5 signature does not pass as PSS, nor the reverse", async () => {
    const signer = await testKey("RSA-2048");
    const key = await keyOf("RSA-2048");
    const pkcs1 = await signer.sign(data);
    const pss = await signer.sign(data, { padding: "pss" });
    expect(await verifySignature(key, data, pkcs1, { rsaPadding: "pss" })).toBe(false);
    expect(await verifySignature(key, data, pss, { rsaPadding: "pkcs1v15" })).toBe(false);
  });

  test("malformed signatures are SIGNATURE_MALFORMED, not false", async () => {
    const ecdsa = await (await testKey("P-256")).sign(data);
    expect(
      await rejectedCode(async () =>
        verifySignature(await keyOf("P-256"), data, ecdsa.subarray(0, 10)),
      ),
    ).toBe("SIGNATURE_MALFORMED");
    expect(
      await rejectedCode(async () =>
        verifySignature(await keyOf("P-256"), data, new Uint8Array([...ecdsa, 0])),
      ),
    ).toBe("SIGNATURE_MALFORMED");
    expect(
      await rejectedCode(async () =>
        verifySignature(await keyOf("Ed25519"), data, new Uint8Array(63)),
      ),
    ).toBe("SIGNATURE_MALFORMED");
    expect(
      await rejectedCode(async () =>
        verifySignature(await keyOf("RSA-2048"), data, new Uint8Array(255)),
      ),
    ).toBe("SIGNATURE_MALFORMED");
  });

  test("unsupported hashes and paddings are ALGORITHM_UNSUPPORTED", async () => {
    const key = await keyOf("P-256");
    const signature = await (await testKey("P-256")).sign(data);
    for (const options of [{ hash: "sha224" }, { hash: "sha1" }, { rsaPadding: "oaep" }]) {
      expect(
        await rejectedCode(() => verifySignature(key, data, signature, options as VerifyOptions)),
      ).toBe("ALGORITHM_UNSUPPORTED");
    }
  });
});

describe.skipIf(!corporaPresent)("verifySignature with real signatures", () => {
  test("cosign: the sigstore-rs key-signed simple-signing payload verifies with cosign.pub", async () => {
    const key = parsePublicKeyPem(corpusText(`${SIGSTORE_RS}/keyed/cosign.pub`));
    const payload = corpusBytes(`${SIGSTORE_RS}/keyed/simplesigning-payload.json`);
    const signature = fromBase64(corpusText(`${SIGSTORE_RS}/keyed/signature.b64`).trim());
    expect(await verifySignature(key, payload, signature)).toBe(true);
    expect(await verifySignature(key, payload, signature, { hash: "sha512" })).toBe(false);
    expect(await verifySignature(key, payload.subarray(1), signature)).toBe(false);
  });
});
