/**
 * Each part of a valid envelope altered on its own fails with its own code:
 * the real e2e signature from notation's layouts, and a fresh COSE one.
 */
import { decode, encode, Tagged } from "cborg";
import { describe, expect, it } from "vitest";
import {
  COSE_MEDIA_TYPE,
  type NotaryErrorCode,
  verifyNotarySignature,
} from "../../../../src/verify/notary/index.ts";
import { corporaPresent, corpusText, E2E, readLayout } from "./corpora.ts";
import { epoch, NOW, selfSignedSigner, signCose, verifyEnvelope } from "./support.ts";

type Json = Record<string, unknown>;
const utf8 = new TextEncoder();

const fromBase64Url = (text: string) =>
  Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
const toBase64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
const flipLast = (bytes: Uint8Array) => {
  const copy = Uint8Array.from(bytes);
  copy[copy.length - 1] = (copy[copy.length - 1] as number) ^ 1;
  return copy;
};

describe.skipIf(!corporaPresent)("tampering with notation's valid e2e signature", () => {
  const load = () => {
    const { image, signatures } = readLayout("e2e-valid-signature");
    const envelope = signatures[0]?.envelope as Uint8Array;
    return { image, json: JSON.parse(new TextDecoder().decode(envelope)) as Json };
  };
  const verifyJson = (json: Json) =>
    verifyNotarySignature({
      envelope: utf8.encode(JSON.stringify(json)),
      mediaType: "application/jose+json",
      target: load().image,
      trustedCertificates: corpusText(`${E2E}/config/localkeys/e2e.crt`),
      now: new Date("2026-01-01T00:00:00Z"),
    });
  const editedJson = (field: "payload" | "protected", edit: (value: Json) => void): Json => {
    const { json } = load();
    const value = JSON.parse(new TextDecoder().decode(fromBase64Url(json[field] as string)));
    edit(value);
    return { ...json, [field]: toBase64Url(utf8.encode(JSON.stringify(value))) };
  };

  it("passes untouched", async () => {
    await expect(verifyJson(load().json)).resolves.toMatchObject({ algorithm: "PS256" });
  });

  it.each<[string, () => Json, NotaryErrorCode]>([
    [
      "the payload",
      () =>
        editedJson("payload", (payload) =>
          Object.assign(payload.targetArtifact as Json, { size: 518 }),
        ),
      "SIGNATURE_INVALID",
    ],
    [
      "the protected header",
      () =>
        editedJson("protected", (header) =>
          Object.assign(header, { "io.cncf.notary.signingTime": "2024-01-01T00:00:00Z" }),
        ),
      "SIGNATURE_INVALID",
    ],
    [
      "the signature",
      () => {
        const { json } = load();
        return {
          ...json,
          signature: toBase64Url(flipLast(fromBase64Url(json.signature as string))),
        };
      },
      "SIGNATURE_INVALID",
    ],
    [
      "the certificate's own signature",
      () => {
        const { json } = load();
        const header = json.header as { x5c: string[] };
        const der = Uint8Array.from(atob(header.x5c[0] as string), (c) => c.charCodeAt(0));
        return {
          ...json,
          header: { ...header, x5c: [btoa(String.fromCharCode(...flipLast(der)))] },
        };
      },
      "CHAIN_INVALID",
    ],
    [
      // new_e2e.crt certifies the same key under another name: the signature
      // still verifies, but the name in the envelope is no longer the trusted one.
      "the certificate swapped for one of the same key",
      () => {
        const { json } = load();
        const pem = corpusText(`${E2E}/config/localkeys/new_e2e.crt`);
        const body = pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
        return { ...json, header: { ...(json.header as Json), x5c: [body] } };
      },
      "UNTRUSTED",
    ],
  ])("fails when %s is altered", async (_, tampered, code) => {
    await expect(verifyJson(tampered())).rejects.toMatchObject({ code });
  });
});

describe("tampering with a COSE signature", () => {
  async function tampered(edit: (parts: unknown[]) => void) {
    const signer = await selfSignedSigner("ES256");
    const message = decode(await signCose(signer), { useMaps: true, tags: Tagged.preserve(18) });
    const parts = [...(message as Tagged).value] as unknown[];
    edit(parts);
    return verifyEnvelope(signer, encode(new Tagged(18, parts)), { mediaType: COSE_MEDIA_TYPE });
  }

  it("passes untouched", async () => {
    await expect(tampered(() => {})).resolves.toMatchObject({ format: "cose" });
  });

  it.each<[string, (parts: unknown[]) => void, NotaryErrorCode]>([
    ["the payload", (parts) => (parts[2] = flipLast(parts[2] as Uint8Array)), "SIGNATURE_INVALID"],
    [
      "the protected header",
      (parts) => {
        const header = decode(parts[0] as Uint8Array, { useMaps: true, tags: Tagged.preserve(1) });
        (header as Map<unknown, unknown>).set("io.cncf.notary.signingTime", epoch(NOW));
        parts[0] = encode(header);
      },
      "SIGNATURE_INVALID",
    ],
    [
      "the signature",
      (parts) => (parts[3] = flipLast(parts[3] as Uint8Array)),
      "SIGNATURE_INVALID",
    ],
    [
      "the certificate",
      (parts) => {
        const unprotected = parts[1] as Map<number, Uint8Array[]>;
        unprotected.set(33, [flipLast(unprotected.get(33)?.[0] as Uint8Array)]);
      },
      "CHAIN_INVALID",
    ],
  ])("fails when %s is altered", async (_, edit, code) => {
    await expect(tampered(edit)).rejects.toMatchObject({ code });
  });
});
