import { sha256 } from "@noble/hashes/sha2.js";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate as AsnCertificate, KeyUsageFlags, Version } from "@peculiar/asn1-x509";
import { describe, expect, test } from "vitest";
import { parsePublicKeySpki } from "../../../src/crypto/public-key.ts";
import { verifySignature } from "../../../src/crypto/signature/verify-signature.ts";
import { parseCertificate, parseCertificates } from "../../../src/crypto/x509/certificate.ts";
import { verifyCertificateSignature } from "../../../src/crypto/x509/certificate-signature.ts";
import { nameValues } from "../../../src/crypto/x509/name.ts";
import { precertificateTbs } from "../../../src/crypto/x509/precertificate.ts";
import { thrownCode } from "../../support/errors.ts";
import {
  bundleCertificates,
  COSIGN_BUNDLE,
  corporaPresent,
  corpusBytes,
  corpusJson,
  NOTATION_E2E,
  NOTATION_GO,
  PRODUCTION_ROOT,
  SIGSTORE_GO_BUNDLES,
  type TrustedRootJson,
} from "./corpora.ts";
import {
  EXT,
  email,
  extension,
  fromBase64,
  issue,
  pem,
  testKey,
  VALID_FROM,
  VALID_TO,
} from "./fixtures.ts";

/** `der` re-encoded after `change`: the signature no longer matters, only the parse. */
function rewrite(der: Uint8Array, change: (cert: AsnCertificate) => void): Uint8Array {
  const asn = AsnConvert.parse(der, AsnCertificate);
  asn.tbsCertificateRaw = undefined;
  change(asn);
  return new Uint8Array(AsnConvert.serialize(asn));
}

async function selfSignedRoot() {
  return issue({
    subject: "Test Root",
    key: await testKey("Ed25519"),
    extensions: [EXT.ca(1), EXT.keyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)],
  });
}

describe("parseCertificate on certificates made here", () => {
  test("exposes names, validity, key, extensions and the signed TBS", async () => {
    const root = await selfSignedRoot();
    const { cert } = root;
    expect(cert.version).toBe(3);
    expect(cert.serialNumber).toBe("01");
    expect(cert.subject.text).toBe("CN=Test Root");
    expect(cert.issuer.der).toEqual(cert.subject.der);
    expect(nameValues(cert.subject, "CN")).toEqual(["Test Root"]);
    expect(nameValues(cert.subject, "2.5.4.3")).toEqual(["Test Root"]);
    expect([cert.notBefore, cert.notAfter]).toEqual([VALID_FROM, VALID_TO]);
    expect(cert.basicConstraints).toEqual({ ca: true, pathLen: 1 });
    expect(cert.keyUsage).toEqual(expect.arrayContaining(["keyCertSign", "crlSign"]));
    expect(cert.extKeyUsage).toBeUndefined();
    expect(cert.spki).toEqual(root.key.spki);
    expect(cert.publicKey.kind).toBe("ed25519");
    expect(cert.signatureAlgorithm).toMatchObject({
      name: "Ed25519",
      check: { keyKind: "ed25519" },
    });
    expect(cert.fingerprint).toBe(Buffer.from(sha256(root.der)).toString("hex"));
    expect(await verifyCertificateSignature(cert, cert.publicKey)).toBe(true);
    expect(cert.extension("2.5.29.19")?.critical).toBe(true);
  });

  test("reads email, URI, DNS and IP SubjectAltNames", async () => {
    const { GeneralName } = await import("@peculiar/asn1-x509");
    const { cert } = await issue({
      subject: "",
      key: await testKey("P-256"),
      extensions: [
        EXT.san(
          email("a@example.com"),
          new GeneralName({
            uniformResourceIdentifier: "https://example.com/w.yml@refs/heads/main",
          }),
          new GeneralName({ dNSName: "example.com" }),
          new GeneralName({ iPAddress: "10.0.0.1" }),
        ),
      ],
    });
    expect(cert.subjectAltNames).toEqual([
      { type: "email", value: "a@example.com" },
      { type: "uri", value: "https://example.com/w.yml@refs/heads/main" },
      { type: "dns", value: "example.com" },
      { type: "ip", value: "10.0.0.1" },
    ]);
    expect(cert.describe()).toContain('"a@example.com"');
  });

  test("a certificate with an RSA-1024 key parses; its key is refused when used", async () => {
    const { cert } = await issue({
      subject: "old",
      key: await testKey("RSA-1024"),
      issuer: await selfSignedRoot(),
    });
    expect(thrownCode(() => cert.publicKey)).toBe("KEY_TOO_SMALL");
  });

  test("SHA-1 signatures parse but are not checked", async () => {
    const root = await issue({ subject: "rsa", key: await testKey("RSA-2048") });
    const sha1 = rewrite(root.der, (asn) => {
      asn.signatureAlgorithm.algorithm = "1.2.840.113549.1.1.5";
      asn.tbsCertificate.signature.algorithm = "1.2.840.113549.1.1.5";
    });
    const cert = parseCertificate(sha1);
    expect(cert.signatureAlgorithm).toEqual({
      oid: "1.2.840.113549.1.1.5",
      name: "1.2.840.113549.1.1.5",
      check: undefined,
    });
    await expect(verifyCertificateSignature(cert, root.cert.publicKey)).rejects.toMatchObject({
      code: "ALGORITHM_UNSUPPORTED",
    });
  });

  test.each<[string, (der: Uint8Array) => Uint8Array]>([
    ["truncated", (der) => der.subarray(0, der.length - 1)],
    ["with trailing bytes", (der) => new Uint8Array([...der, 0])],
    ["not DER at all", () => new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])],
    [
      "with differing inner and outer algorithms",
      (der) =>
        rewrite(der, (asn) => {
          asn.signatureAlgorithm.algorithm = "1.2.840.10045.4.3.3";
        }),
    ],
    [
      "with a duplicated extension",
      (der) =>
        rewrite(der, (asn) => {
          const first = asn.tbsCertificate.extensions?.[0];
          if (first) asn.tbsCertificate.extensions?.push(first);
        }),
    ],
    [
      "of version 1 with extensions",
      (der) =>
        rewrite(der, (asn) => {
          asn.tbsCertificate.version = Version.v1;
        }),
    ],
    [
      "with a Fulcio string extension that is not a string",
      (der) =>
        rewrite(der, (asn) => {
          asn.tbsCertificate.extensions?.push(
            extension("1.3.6.1.4.1.57264.1.8", false, new Uint8Array([0x02, 1, 1])),
          );
        }),
    ],
  ])("refuses a certificate %s with CERT_INVALID", async (_, change) => {
    const { der } = await selfSignedRoot();
    expect(thrownCode(() => parseCertificate(change(der)))).toBe("CERT_INVALID");
  });
});

describe("parseCertificates", () => {
  test("reads PEM text, PEM bytes and DER bytes", async () => {
    const root = await selfSignedRoot();
    const leaf = await issue({ subject: "leaf", key: await testKey("P-256"), issuer: root });
    const text = `${pem("CERTIFICATE", leaf.der)}\n${pem("CERTIFICATE", root.der)}`;
    expect(parseCertificates(text).map((cert) => cert.subject.text)).toEqual([
      "CN=leaf",
      "CN=Test Root",
    ]);
    expect(parseCertificates(new TextEncoder().encode(text))).toHaveLength(2);
    expect(parseCertificates(root.der)[0]?.der).toEqual(root.der);
  });

  test("refuses other PEM labels and names the block", async () => {
    const root = await selfSignedRoot();
    const text = pem("CERTIFICATE", root.der) + pem("PUBLIC KEY", root.key.spki);
    expect(thrownCode(() => parseCertificates(text))).toBe("CERT_INVALID");
    expect(() => parseCertificates(text)).toThrow(/certificate 2 of 2/);
  });
});

describe.skipIf(!corporaPresent)("parseCertificate on real certificates", () => {
  test("the cosign bundle's Fulcio certificate: email SAN, OIDC issuer, code signing", () => {
    const [der] = bundleCertificates(COSIGN_BUNDLE);
    const cert = parseCertificate(der as Uint8Array);
    expect(cert.subjectAltNames).toEqual([{ type: "email", value: "cody@soyland.com" }]);
    expect(cert.fulcio).toEqual({ issuer: "https://github.com/login/oauth" });
    expect(cert.issuer.text).toBe("O=sigstore.dev, CN=sigstore-intermediate");
    expect(cert.subject.attributes).toEqual([]);
    expect(cert.extKeyUsage).toEqual(["1.3.6.1.5.5.7.3.3"]);
    expect(cert.keyUsage).toEqual(["digitalSignature"]);
    expect(cert.extension("2.5.29.17")?.critical).toBe(true);
    expect(cert.signatureAlgorithm.name).toBe("ecdsa-with-SHA384");
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(10 * 60 * 1000);
    expect(cert.publicKey).toMatchObject({ kind: "ecdsa", curve: "P-256" });
    expect(cert.sctList?.length).toBeGreaterThan(100);
  });

  test("the otherName SAN Fulcio uses for usernames", () => {
    const [der] = bundleCertificates(`${SIGSTORE_GO_BUNDLES}/othername.sigstore.json`);
    const cert = parseCertificate(der as Uint8Array);
    expect(cert.subjectAltNames).toMatchObject([
      { type: "otherName", typeId: "1.3.6.1.4.1.57264.1.7", value: "foo!oidc.local" },
    ]);
    expect(cert.fulcio.issuer).toBe("http://oidc.local:8080");
    expect(cert.signatureAlgorithm.name).toBe("sha256WithRSAEncryption");
  });

  test("a GitHub Actions certificate: every Fulcio extension by its cosign name", () => {
    const [der] = bundleCertificates(
      `${SIGSTORE_GO_BUNDLES}/sigstore.js@2.0.0-provenance.sigstore.json`,
    );
    const { fulcio, subjectAltNames } = parseCertificate(der as Uint8Array);
    const workflow =
      "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main";
    const sha = "f0b49a04e5a62250e0f60fb128004a73110fe311";
    expect(subjectAltNames).toEqual([{ type: "uri", value: workflow }]);
    expect(fulcio).toEqual({
      issuer: "https://token.actions.githubusercontent.com",
      githubWorkflowTrigger: "push",
      githubWorkflowSha: sha,
      githubWorkflowName: "Release",
      githubWorkflowRepository: "sigstore/sigstore-js",
      githubWorkflowRef: "refs/heads/main",
      buildSignerURI: workflow,
      buildSignerDigest: sha,
      runnerEnvironment: "github-hosted",
      sourceRepositoryURI: "https://github.com/sigstore/sigstore-js",
      sourceRepositoryDigest: sha,
      sourceRepositoryRef: "refs/heads/main",
      sourceRepositoryIdentifier: "495574555",
      sourceRepositoryOwnerURI: "https://github.com/sigstore",
      sourceRepositoryOwnerIdentifier: "71096353",
      buildConfigURI: workflow,
      buildConfigDigest: sha,
      buildTrigger: "push",
      runInvocationURI:
        "https://github.com/sigstore/sigstore-js/actions/runs/5904696764/attempts/1",
      sourceRepositoryVisibilityAtSigning: "public",
    });
  });

  test("the precertificate TBS is what the CT log signed: the embedded SCT verifies over it", async () => {
    const [der] = bundleCertificates(COSIGN_BUNDLE);
    const cert = parseCertificate(der as Uint8Array);
    const root = corpusJson<TrustedRootJson>(PRODUCTION_ROOT);
    const intermediate = root.certificateAuthorities
      .flatMap((ca) => ca.certChain.certificates)
      .map((entry) => parseCertificate(fromBase64(entry.rawBytes)))
      .find((candidate) => candidate.subject.text === cert.issuer.text);
    const sct = parseSingleSct(cert.sctList as Uint8Array);
    const log = root.ctlogs.find((entry) =>
      Buffer.from(fromBase64(entry.logId.keyId)).equals(sct.logId),
    );
    expect(intermediate && log).toBeTruthy();
    const logKey = parsePublicKeySpki(fromBase64(log?.publicKey.rawBytes as string));
    const issuerKeyHash = sha256(intermediate?.spki as Uint8Array);
    const signed = (tbs: Uint8Array) =>
      new Uint8Array([
        0,
        0,
        ...sct.timestamp,
        0,
        1,
        ...issuerKeyHash,
        (tbs.length >> 16) & 0xff,
        (tbs.length >> 8) & 0xff,
        tbs.length & 0xff,
        ...tbs,
        0,
        0,
      ]);
    expect(await verifySignature(logKey, signed(precertificateTbs(cert)), sct.signature)).toBe(
      true,
    );
    expect(await verifySignature(logKey, signed(cert.tbs), sct.signature)).toBe(false);
  });

  test("Notary certificates: DER and PEM files, RSA-4096 roots, a two-certificate chain file", () => {
    const digicert = parseCertificates(
      corpusBytes(`${NOTATION_E2E}/timestamp/DigiCertTSARootSHA384.cer`),
    );
    expect(digicert[0]?.publicKey).toMatchObject({ kind: "rsa", bits: 4096 });
    expect(digicert[0]?.subject.text).toBe(
      "C=US, O=DigiCert Inc, OU=www.digicert.com, CN=DigiCert Trusted Root G4",
    );
    const globalSign = parseCertificates(
      corpusBytes(
        `${NOTATION_GO}/verifier/testdata/truststore/x509/ca/valid-trust-store/GlobalSign.der`,
      ),
    );
    expect(globalSign[0]?.signatureAlgorithm.name).toBe("sha256WithRSAEncryption");
    const chain = parseCertificates(corpusBytes(`${NOTATION_E2E}/timestamp/CertChain.pem`));
    expect(chain.map((cert) => cert.subject.text)).toEqual([
      "O=Acme Co, CN=test_cert_1",
      "O=Acme Co, CN=Root CA",
    ]);
    expect(
      thrownCode(() => parseCertificates(corpusBytes(`${NOTATION_E2E}/timestamp/invalid.crt`))),
    ).toBe("PEM_INVALID");
  });
});

/** The one SCT of a TLS-encoded SignedCertificateTimestampList (RFC 6962 3.3). */
function parseSingleSct(list: Uint8Array): {
  logId: Uint8Array;
  timestamp: Uint8Array;
  signature: Uint8Array;
} {
  const view = new DataView(list.buffer, list.byteOffset, list.byteLength);
  const sctLength = view.getUint16(2);
  expect(view.getUint16(0)).toBe(sctLength + 2);
  const sct = list.subarray(4, 4 + sctLength);
  const extensionsLength = (sct[41] as number) * 256 + (sct[42] as number);
  const signatureStart = 43 + extensionsLength + 4;
  return {
    logId: sct.subarray(1, 33),
    timestamp: sct.subarray(33, 41),
    signature: sct.subarray(signatureStart),
  };
}
