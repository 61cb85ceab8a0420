import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { describe, expect, test } from "vitest";
import { decodePem } from "../../../src/crypto/pem.ts";
import { describePublicKey, parsePublicKeySpki } from "../../../src/crypto/public-key.ts";
import { parsePublicKeyPem, parsePublicKeysPem } from "../../../src/crypto/public-key-pem.ts";
import { thrownCode } from "../../support/errors.ts";
import { corporaPresent, corpusText, SIGSTORE_RS } from "./corpora.ts";
import { type KeySpec, pem, testKey } from "./fixtures.ts";

/** An SPKI with the algorithm and key bits of `spki` replaced. */
function respki(spki: Uint8Array, change: (info: SubjectPublicKeyInfo) => void): Uint8Array {
  const info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  change(info);
  return new Uint8Array(AsnConvert.serialize(info));
}

describe("decodePem", () => {
  test("reads blocks between other text, with CRLF and indentation", () => {
    const text =
      "# signer A\r\n  -----BEGIN A-----\r\n  AQID\r\n  -----END A-----\r\ntrailer\n-----BEGIN B-----\nBA==\n-----END B-----";
    expect(decodePem(text, "t")).toEqual([
      { label: "A", der: new Uint8Array([1, 2, 3]) },
      { label: "B", der: new Uint8Array([4]) },
    ]);
  });

  test.each([
    ["no block", "hello"],
    ["a BEGIN without END", "-----BEGIN A-----\nAQID\n"],
    ["mismatched labels", "-----BEGIN A-----\nAQID\n-----END B-----"],
    ["bad base64", "-----BEGIN A-----\nAQ!D\n-----END A-----"],
    ["padding in the middle", "-----BEGIN A-----\nAQ==\nAQID\n-----END A-----"],
    ["an empty block", "-----BEGIN A-----\n-----END A-----"],
    ["encrypted PEM headers", "-----BEGIN A-----\nProc-Type: 4,ENCRYPTED\nAQID\n-----END A-----"],
    ["a stray END line", "-----END A-----"],
  ])("refuses %s with PEM_INVALID", (_, text) => {
    expect(thrownCode(() => decodePem(text, "t"))).toBe("PEM_INVALID");
  });

  test("bounds the number of blocks", () => {
    const many = "-----BEGIN A-----\nAQID\n-----END A-----\n".repeat(1001);
    expect(thrownCode(() => decodePem(many, "t"))).toBe("PEM_INVALID");
  });
});

describe("parsePublicKeySpki", () => {
  test.each<[KeySpec, string]>([
    ["P-256", "ECDSA P-256"],
    ["P-384", "ECDSA P-384"],
    ["P-521", "ECDSA P-521"],
    ["Ed25519", "Ed25519"],
    ["RSA-2048", "RSA-2048"],
  ])("detects %s from the SPKI OID", async (spec, description) => {
    const { spki } = await testKey(spec);
    const key = parsePublicKeySpki(spki);
    expect(key.spki).toEqual(spki);
    expect(key.id).toBe(bytesToHex(sha256(spki)));
    expect(describePublicKey(key)).toBe(`${description} key ${key.id.slice(0, 16)}…`);
  });

  test("refuses RSA below 2048 bits with KEY_TOO_SMALL", async () => {
    const { spki } = await testKey("RSA-1024");
    expect(thrownCode(() => parsePublicKeySpki(spki))).toBe("KEY_TOO_SMALL");
  });

  test("refuses secp256k1, DSA and explicit curves with KEY_UNSUPPORTED", async () => {
    const { spki } = await testKey("P-256");
    const secp256k1 = respki(spki, (info) => {
      info.algorithm.parameters = new Uint8Array([0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a]).buffer;
    });
    const dsa = respki(spki, (info) => {
      info.algorithm.algorithm = "1.2.840.10040.4.1";
    });
    expect(thrownCode(() => parsePublicKeySpki(secp256k1))).toBe("KEY_UNSUPPORTED");
    expect(() => parsePublicKeySpki(secp256k1)).toThrow(/secp256k1/);
    expect(thrownCode(() => parsePublicKeySpki(dsa))).toBe("KEY_UNSUPPORTED");
    expect(() => parsePublicKeySpki(dsa)).toThrow(/DSA/);
  });

  test("refuses compressed points and points of the wrong size", async () => {
    const { spki } = await testKey("P-256");
    const point = new Uint8Array(AsnConvert.parse(spki, SubjectPublicKeyInfo).subjectPublicKey);
    const compressed = respki(spki, (info) => {
      info.subjectPublicKey = new Uint8Array([
        0x02 | ((point[64] as number) & 1),
        ...point.subarray(1, 33),
      ]).buffer;
    });
    const short = respki(spki, (info) => {
      info.subjectPublicKey = point.slice(0, 64).buffer;
    });
    expect(thrownCode(() => parsePublicKeySpki(compressed))).toBe("KEY_UNSUPPORTED");
    expect(thrownCode(() => parsePublicKeySpki(short))).toBe("KEY_INVALID");
  });

  test("refuses points that are not on their curve with KEY_INVALID", async () => {
    const { spki } = await testKey("P-256");
    const offCurve = respki(spki, (info) => {
      const point = new Uint8Array(info.subjectPublicKey);
      point[64] = (point[64] as number) ^ 1;
      info.subjectPublicKey = point.buffer;
    });
    expect(thrownCode(() => parsePublicKeySpki(offCurve))).toBe("KEY_INVALID");
    const ed = (await testKey("Ed25519")).spki;
    // The first y whose x has no square root: no point decodes from it.
    const y = Array.from({ length: 16 }, (_, i) => i + 2).find((value) => {
      try {
        ed25519.Point.fromBytes(new Uint8Array([value, ...new Array(31).fill(0)]), true);
        return false;
      } catch {
        return true;
      }
    });
    const notAPoint = respki(ed, (info) => {
      info.subjectPublicKey = new Uint8Array([y as number, ...new Array(31).fill(0)]).buffer;
    });
    expect(thrownCode(() => parsePublicKeySpki(notAPoint))).toBe("KEY_INVALID");
  });

  test("refuses truncated DER, trailing bytes and garbage with KEY_INVALID", async () => {
    const { spki } = await testKey("P-256");
    expect(thrownCode(() => parsePublicKeySpki(spki.subarray(0, spki.length - 1)))).toBe(
      "KEY_INVALID",
    );
    expect(thrownCode(() => parsePublicKeySpki(new Uint8Array([...spki, 0])))).toBe("KEY_INVALID");
    expect(thrownCode(() => parsePublicKeySpki(new Uint8Array([0x30, 3, 1, 2, 3])))).toBe(
      "KEY_INVALID",
    );
  });
});

describe("parsePublicKeysPem", () => {
  test("returns every key of a text holding several blocks, in order", async () => {
    const specs: KeySpec[] = ["P-256", "Ed25519", "RSA-2048", "P-384"];
    const pems = await Promise.all(specs.map(async (spec) => (await testKey(spec)).pem));
    const keys = parsePublicKeysPem(`# team keys\n${pems.join("\n")}`);
    expect(keys.map((key) => key.kind)).toEqual(["ecdsa", "ed25519", "rsa", "ecdsa"]);
    expect(() => parsePublicKeyPem(pems.join(""))).toThrow(/one public key PEM block, found 4/);
  });

  test("gives a text parsed before its same frozen keys; a bad text fails every time", async () => {
    const { pem: text, spki } = await testKey("P-256");
    const first = parsePublicKeysPem(text);
    expect(parsePublicKeysPem(text)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first[0])).toBe(true);
    const bad = pem("EC PUBLIC KEY", spki);
    for (let i = 0; i < 2; i++)
      expect(thrownCode(() => parsePublicKeysPem(bad))).toBe("KEY_UNSUPPORTED");
  });

  test("takes PKCS#1 RSA PUBLIC KEY blocks as the same key", async () => {
    const { spki } = await testKey("RSA-2048");
    const pkcs1 = new Uint8Array(AsnConvert.parse(spki, SubjectPublicKeyInfo).subjectPublicKey);
    const key = parsePublicKeyPem(pem("RSA PUBLIC KEY", pkcs1));
    expect(key.kind).toBe("rsa");
    expect(key.spki).toEqual(spki);
  });

  test("refuses EC PUBLIC KEY blocks with a hint, and other labels", async () => {
    const { spki } = await testKey("P-256");
    expect(thrownCode(() => parsePublicKeysPem(pem("EC PUBLIC KEY", spki)))).toBe(
      "KEY_UNSUPPORTED",
    );
    expect(() => parsePublicKeysPem(pem("EC PUBLIC KEY", spki))).toThrow(
      /not a standard PEM label/,
    );
    expect(thrownCode(() => parsePublicKeysPem(pem("CERTIFICATE", spki)))).toBe("KEY_UNSUPPORTED");
  });

  test("names the failing block when one of several is bad", async () => {
    const good = (await testKey("P-256")).pem;
    const small = (await testKey("RSA-1024")).pem;
    expect(() => parsePublicKeysPem(good + small)).toThrow(
      /public key 2 of 2: RSA key of 1024 bits/,
    );
  });

  test.skipIf(!corporaPresent)("parses the real cosign.pub of sigstore-rs", () => {
    const key = parsePublicKeyPem(corpusText(`${SIGSTORE_RS}/keyed/cosign.pub`));
    expect(key).toMatchObject({ kind: "ecdsa", curve: "P-256" });
  });
});
