/**
 * The two backends behind `verifySignature`: WebCrypto and the @noble/curves
 * fallback, chosen per algorithm from what `subtle` answers. Forcing the
 * fallback here tests it on every runtime, Node included.
 */
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { describe, expect, test } from "vitest";
import { type PublicKey, parsePublicKeySpki } from "../../../src/crypto/public-key.ts";
import {
  createSignatureEngine,
  type SignatureEngine,
} from "../../../src/crypto/signature/engine.ts";
import { verifySignature } from "../../../src/crypto/signature/verify-signature.ts";
import { rejectedCode } from "../../support/errors.ts";
import { type KeySpec, p1363ToDer, testKey } from "./fixtures.ts";

const data = new TextEncoder().encode("payload");
const webCrypto = createSignatureEngine();
const noble = createSignatureEngine({ subtle: null });
const ORDERS = { "P-256": p256, "P-384": p384, "P-521": p521 } as const;

function bigintOf(bytes: Uint8Array): bigint {
  return bytes.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

function bytesOf(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = size - 1, rest = value; i >= 0; i--, rest >>= 8n) out[i] = Number(rest & 0xffn);
  return out;
}

/** The same signature with s replaced by n - s: valid for ECDSA, refused by low-S-only verifiers. */
function highLowTwin(raw: Uint8Array, spec: "P-256" | "P-384" | "P-521"): Uint8Array {
  const half = raw.length / 2;
  const order = ORDERS[spec].Point.Fn.ORDER;
  const s = bigintOf(raw.subarray(half));
  return new Uint8Array([...raw.subarray(0, half), ...bytesOf(order - s, half)]);
}

/** A subtle that counts imports and claims not to know the algorithms named in `lacking`. */
function countingSubtle(lacking: string[]): { subtle: SubtleCrypto; imports: string[] } {
  const real = globalThis.crypto.subtle;
  const imports: string[] = [];
  const subtle = {
    importKey(
      format: "spki",
      keyData: BufferSource,
      algorithm: Algorithm,
      extractable: boolean,
      usages: KeyUsage[],
    ) {
      imports.push(algorithm.name);
      if (lacking.includes(algorithm.name)) {
        return Promise.reject(
          new DOMException(`${algorithm.name} is not supported`, "NotSupportedError"),
        );
      }
      return real.importKey(format, keyData, algorithm, extractable, usages);
    },
    verify: real.verify.bind(real),
  } as SubtleCrypto;
  return { subtle, imports };
}

describe.each<{ name: string; engine: SignatureEngine }>([
  { name: "WebCrypto", engine: webCrypto },
  { name: "@noble/curves", engine: noble },
])("the $name backend", ({ engine }) => {
  test.each<["P-256" | "P-384" | "P-521", "sha256" | "sha384" | "sha512"]>([
    ["P-256", "sha256"],
    ["P-256", "sha512"],
    ["P-384", "sha384"],
    ["P-384", "sha256"],
    ["P-521", "sha512"],
  ])("ECDSA %s with %s: valid, high-S twin, wrong data", async (spec, hash) => {
    const signer = await testKey(spec);
    const key = parsePublicKeySpki(signer.spki);
    const raw = await signer.sign(data, { hash, format: "p1363" });
    expect(await verifySignature(key, data, p1363ToDer(raw), { hash, engine })).toBe(true);
    expect(
      await verifySignature(key, data, p1363ToDer(highLowTwin(raw, spec)), { hash, engine }),
    ).toBe(true);
    expect(await verifySignature(key, new Uint8Array(1), p1363ToDer(raw), { hash, engine })).toBe(
      false,
    );
  });

  test("Ed25519: valid and wrong data", async () => {
    const signer = await testKey("Ed25519");
    const key = parsePublicKeySpki(signer.spki);
    const signature = await signer.sign(data);
    expect(await verifySignature(key, data, signature, { engine })).toBe(true);
    expect(await verifySignature(key, new Uint8Array(1), signature, { engine })).toBe(false);
  });
});

describe("backend choice", () => {
  test("without WebCrypto, RSA is ALGORITHM_UNSUPPORTED: there is no RSA fallback", async () => {
    const signer = await testKey("RSA-2048");
    const key = parsePublicKeySpki(signer.spki);
    const signature = await signer.sign(data);
    expect(await rejectedCode(() => verifySignature(key, data, signature, { engine: noble }))).toBe(
      "ALGORITHM_UNSUPPORTED",
    );
  });

  test("an algorithm WebCrypto lacks goes to @noble, detected once; the others stay on WebCrypto", async () => {
    const { subtle, imports } = countingSubtle(["Ed25519"]);
    const engine = createSignatureEngine({ subtle });
    const ed = await testKey("Ed25519");
    const ec = await testKey("P-256");
    const edKeys = [parsePublicKeySpki(ed.spki), parsePublicKeySpki(ed.spki)];
    const edSignature = await ed.sign(data);
    for (const key of edKeys) {
      expect(await verifySignature(key, data, edSignature, { engine })).toBe(true);
      expect(await verifySignature(key, new Uint8Array(1), edSignature, { engine })).toBe(false);
    }
    const ecKey = parsePublicKeySpki(ec.spki);
    expect(await verifySignature(ecKey, data, await ec.sign(data), { engine })).toBe(true);
    expect(imports).toEqual(["Ed25519", "ECDSA"]);
  });

  test.each([
    ["DataError", "KEY_INVALID"],
    ["OperationError", "CRYPTO_FAILURE"],
  ])("a WebCrypto %s on import is %s", async (errorName, code) => {
    const subtle = {
      importKey: () => Promise.reject(new DOMException("refused", errorName)),
    } as unknown as SubtleCrypto;
    const signer = await testKey("P-256");
    const key = parsePublicKeySpki(signer.spki);
    const signature = await signer.sign(data);
    const engine = createSignatureEngine({ subtle });
    expect(await rejectedCode(() => verifySignature(key, data, signature, { engine }))).toBe(code);
  });

  test("a CryptoKey is imported once per key and algorithm, then reused", async () => {
    const { subtle, imports } = countingSubtle([]);
    const engine = createSignatureEngine({ subtle });
    const rsa = await testKey("RSA-2048");
    const key: PublicKey = parsePublicKeySpki(rsa.spki);
    const sha256 = await rsa.sign(data, { hash: "sha256" });
    const sha512 = await rsa.sign(data, { hash: "sha512" });
    for (let round = 0; round < 3; round++) {
      expect(await verifySignature(key, data, sha256, { engine })).toBe(true);
      expect(await verifySignature(key, data, sha512, { engine, hash: "sha512" })).toBe(true);
    }
    expect(imports).toEqual(["RSASSA-PKCS1-v1_5", "RSASSA-PKCS1-v1_5"]);
  });

  test.each<KeySpec>(["P-256", "Ed25519"])(
    "WebCrypto and @noble agree on tampered %s signatures",
    async (spec) => {
      const signer = await testKey(spec);
      const key = parsePublicKeySpki(signer.spki);
      const signature = await signer.sign(data, { format: "p1363" });
      const options = spec === "Ed25519" ? {} : { ecdsaFormat: "p1363" as const };
      for (let index = 0; index < signature.length; index += 7) {
        const tampered = Uint8Array.from(signature);
        tampered[index] = (tampered[index] as number) ^ 0x40;
        const viaWebCrypto = await verifySignature(key, data, tampered, {
          ...options,
          engine: webCrypto,
        });
        const viaNoble = await verifySignature(key, data, tampered, { ...options, engine: noble });
        expect([index, viaNoble]).toEqual([index, viaWebCrypto]);
      }
    },
  );
});
