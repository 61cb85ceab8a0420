import { KeyUsageFlags } from "@peculiar/asn1-x509";
import { beforeAll, describe, expect, test } from "vitest";
import { createSignatureEngine } from "../../../src/crypto/signature/engine.ts";
import { verifySignature } from "../../../src/crypto/signature/verify-signature.ts";
import {
  type Certificate,
  parseCertificate,
  parseCertificates,
} from "../../../src/crypto/x509/certificate.ts";
import {
  type ChainOptions,
  EKU_CODE_SIGNING,
  EKU_TIME_STAMPING,
  verifyChain,
} from "../../../src/crypto/x509/chain.ts";
import { rejectedCode } from "../../support/errors.ts";
import {
  bundleCertificates,
  COSIGN_BUNDLE,
  corporaPresent,
  corpusBytes,
  corpusJson,
  NOTATION_GO,
  PRODUCTION_ROOT,
  SIGSTORE_GO_BUNDLES,
  SIGSTORE_RS,
  type TrustedRootJson,
} from "./corpora.ts";
import {
  EXT,
  email,
  extension,
  fromBase64,
  INSIDE,
  type IssuedCertificate,
  issue,
  type KeySpec,
  testKey,
  VALID_TO,
} from "./fixtures.ts";

const CA_USAGE = KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign;
const codeSigning: ChainOptions = { at: INSIDE, extKeyUsage: { oid: EKU_CODE_SIGNING } };
const subjects = (path: Certificate[]) => path.map((cert) => cert.subject.text);

async function ca(subject: string, spec: KeySpec, issuer?: IssuedCertificate, pathLen?: number) {
  return issue({
    subject,
    key: await testKey(spec),
    issuer,
    extensions: [EXT.ca(pathLen), EXT.keyUsage(CA_USAGE)],
  });
}

async function signingLeaf(issuer: IssuedCertificate, spec: KeySpec = "P-256", extra = {}) {
  return issue({
    subject: "",
    key: await testKey(spec),
    issuer,
    extensions: [
      EXT.keyUsage(KeyUsageFlags.digitalSignature),
      EXT.eku(EKU_CODE_SIGNING),
      EXT.san(email("dev@example.com")),
    ],
    ...extra,
  });
}

describe("verifyChain on chains made here", () => {
  let root: IssuedCertificate;
  let intermediate: IssuedCertificate;
  let leaf: IssuedCertificate;

  beforeAll(async () => {
    root = await ca("Root", "P-384", undefined, 1);
    intermediate = await ca("Intermediate", "P-256", root, 0);
    leaf = await signingLeaf(intermediate);
  });

  test("builds leaf -> intermediate -> root", async () => {
    const path = await verifyChain(leaf.cert, [intermediate.cert], [root.cert], codeSigning);
    expect(subjects(path)).toEqual(["", "CN=Intermediate", "CN=Root"]);
  });

  test("ignores unrelated intermediates and roots, and takes the pool in any order", async () => {
    const stranger = await ca("Stranger", "Ed25519");
    const path = await verifyChain(
      leaf.cert,
      [stranger.cert, intermediate.cert],
      [stranger.cert, root.cert],
      codeSigning,
    );
    expect(path).toHaveLength(3);
  });

  test("without the root, or without the intermediate, the root is untrusted", async () => {
    expect(
      await rejectedCode(() => verifyChain(leaf.cert, [intermediate.cert], [], codeSigning)),
    ).toBe("UNTRUSTED_ROOT");
    expect(await rejectedCode(() => verifyChain(leaf.cert, [], [root.cert], codeSigning))).toBe(
      "UNTRUSTED_ROOT",
    );
    expect(
      await rejectedCode(() =>
        verifyChain(leaf.cert, [intermediate.cert, root.cert], [], codeSigning),
      ),
    ).toBe("UNTRUSTED_ROOT");
  });

  test("every certificate must be valid at `at`", async () => {
    const verify = (at: Date) =>
      rejectedCode(() => verifyChain(leaf.cert, [intermediate.cert], [root.cert], { at }));
    expect(await verify(new Date("2023-12-31T23:59:59Z"))).toBe("CERT_NOT_YET_VALID");
    expect(await verify(new Date(VALID_TO.getTime() + 1000))).toBe("CERT_EXPIRED");
    const expiredIntermediate = await issue({
      subject: "Intermediate",
      key: await testKey("P-256"),
      issuer: root,
      notAfter: new Date("2025-01-01T00:00:00Z"),
      extensions: [EXT.ca(0)],
    });
    expect(
      await rejectedCode(() =>
        verifyChain(leaf.cert, [expiredIntermediate.cert], [root.cert], codeSigning),
      ),
    ).toBe("CERT_EXPIRED");
  });

  test("an issuer with the right name but another key does not sign the leaf", async () => {
    const impostor = await ca("Intermediate", "P-384", root, 0);
    await expect(
      verifyChain(leaf.cert, [impostor.cert], [root.cert], codeSigning),
    ).rejects.toMatchObject({
      code: "CHAIN_INVALID",
      message: expect.stringMatching(/not signed by certificate "CN=Intermediate"/),
    });
    const path = await verifyChain(
      leaf.cert,
      [impostor.cert, intermediate.cert],
      [root.cert],
      codeSigning,
    );
    expect(path[1]?.der).toEqual(intermediate.der);
  });

  test("issuers must be CAs with keyCertSign, within their pathLen", async () => {
    const key = await testKey("P-256");
    const notCa = await issue({ subject: "NotCA", key, issuer: root, extensions: [EXT.notCa()] });
    const noCertSign = await issue({
      subject: "NoCertSign",
      key,
      issuer: root,
      extensions: [EXT.ca(), EXT.keyUsage(KeyUsageFlags.digitalSignature)],
    });
    const refused = (reason: RegExp) => ({
      code: "CHAIN_INVALID",
      message: expect.stringMatching(reason),
    });
    for (const [issuer, reason] of [
      [notCa, /not a CA/],
      [noCertSign, /lacks keyCertSign/],
    ] as const) {
      const child = await signingLeaf(issuer);
      await expect(
        verifyChain(child.cert, [issuer.cert], [root.cert], codeSigning),
      ).rejects.toMatchObject(refused(reason));
    }
    const second = await ca("Second", "P-256", intermediate);
    const deep = await signingLeaf(second);
    await expect(
      verifyChain(deep.cert, [second.cert, intermediate.cert], [root.cert], codeSigning),
    ).rejects.toMatchObject(refused(/pathLen 0 allows fewer intermediates than the 1 below it/));
  });

  test("a critical extension that is not understood is CERT_INVALID", async () => {
    const critical = await signingLeaf(intermediate, "P-256", {
      extensions: [
        EXT.eku(EKU_CODE_SIGNING),
        extension("2.5.29.30", true, new Uint8Array([0x30, 0])),
      ],
    });
    expect(
      await rejectedCode(() =>
        verifyChain(critical.cert, [intermediate.cert], [root.cert], codeSigning),
      ),
    ).toBe("CERT_INVALID");
  });

  test("the leaf's extKeyUsage: required, optional for Notary, and restricted by issuers", async () => {
    const bare = await issue({
      subject: "bare",
      key: await testKey("P-256"),
      issuer: intermediate,
    });
    const chain = (cert: Certificate, options: ChainOptions) =>
      rejectedCode(() => verifyChain(cert, [intermediate.cert], [root.cert], options));
    expect(await chain(bare.cert, codeSigning)).toBe("CERT_USAGE_INVALID");
    expect(
      await chain(bare.cert, {
        at: INSIDE,
        extKeyUsage: { oid: EKU_CODE_SIGNING, allowMissing: true },
      }),
    ).toBe("accepted");
    expect(await chain(leaf.cert, { at: INSIDE, extKeyUsage: { oid: EKU_TIME_STAMPING } })).toBe(
      "CERT_USAGE_INVALID",
    );
    const tsaOnly = await issue({
      subject: "TSA CA",
      key: await testKey("P-256"),
      issuer: root,
      extensions: [EXT.ca(0), EXT.eku(EKU_TIME_STAMPING)],
    });
    const under = await signingLeaf(tsaOnly);
    expect(
      await rejectedCode(() => verifyChain(under.cert, [tsaOnly.cert], [root.cert], codeSigning)),
    ).toBe("CERT_USAGE_INVALID");
  });

  test("a pinned self-signed leaf is its own path", async () => {
    const pinned = await issue({
      subject: "pinned",
      key: await testKey("Ed25519"),
      extensions: [EXT.eku(EKU_CODE_SIGNING)],
    });
    expect(subjects(await verifyChain(pinned.cert, [], [pinned.cert], codeSigning))).toEqual([
      "CN=pinned",
    ]);
    expect(await rejectedCode(() => verifyChain(pinned.cert, [], [root.cert], codeSigning))).toBe(
      "UNTRUSTED_ROOT",
    );
  });

  test.each<[string, KeySpec, boolean]>([
    ["Ed25519", "Ed25519", false],
    ["sha256WithRSAEncryption", "RSA-2048", false],
    ["RSASSA-PSS", "RSA-2048", true],
  ])("checks %s certificate signatures", async (algorithm, spec, pss) => {
    const rsaRoot = await issue({ subject: "R", key: await testKey(spec), extensions: [EXT.ca()] });
    const child = await issue({
      subject: "",
      key: await testKey("P-256"),
      issuer: rsaRoot,
      pss,
      extensions: [EXT.eku(EKU_CODE_SIGNING)],
    });
    expect(child.cert.signatureAlgorithm.name).toBe(algorithm);
    expect(await verifyChain(child.cert, [], [rsaRoot.cert], codeSigning)).toHaveLength(2);
  });

  test("the @noble engine builds the same path", async () => {
    const engine = createSignatureEngine({ subtle: null });
    const path = await verifyChain(leaf.cert, [intermediate.cert], [root.cert], {
      ...codeSigning,
      engine,
    });
    expect(path).toHaveLength(3);
  });

  test("the signature checks spent on candidate issuers are bounded", async () => {
    const impostors = await Promise.all(
      Array.from({ length: 70 }, (_, serial) =>
        issue({
          subject: "Intermediate",
          key: intermediate.key,
          issuer: root,
          serial,
          extensions: [EXT.ca(0)],
        }),
      ),
    );
    const forged = await issue({
      subject: "",
      key: await testKey("P-256"),
      issuer: await ca("Intermediate", "P-384"),
    });
    await expect(
      verifyChain(
        forged.cert,
        impostors.map((impostor) => impostor.cert),
        [root.cert],
        { at: INSIDE },
      ),
    ).rejects.toMatchObject({
      code: "CHAIN_INVALID",
      message: expect.stringMatching(/more than 64 candidate issuers/),
    });
  });

  test("path length and cycles are bounded", async () => {
    expect(
      await rejectedCode(() =>
        verifyChain(leaf.cert, [intermediate.cert], [root.cert], { ...codeSigning, maxLength: 2 }),
      ),
    ).toBe("CHAIN_INVALID");
    const a = await ca("A", "P-256", await ca("B", "P-384"));
    const b = await ca("B", "P-384", a);
    const child = await signingLeaf(a);
    expect(
      await rejectedCode(() => verifyChain(child.cert, [a.cert, b.cert], [root.cert], codeSigning)),
    ).toBe("UNTRUSTED_ROOT");
  });
});

describe.skipIf(!corporaPresent)("verifyChain on real chains", () => {
  test("sigstore-rs: the 2021 Fulcio certificate chains to its root at its signing time only", async () => {
    const [leaf] = parseCertificates(
      corpusBytes(`${SIGSTORE_RS}/keyless-legacy-bundle/cert.pem`),
    ) as [Certificate];
    const roots = parseCertificates(
      corpusBytes(`${SIGSTORE_RS}/keyless-legacy-bundle/fulcio-roots-v1.pem`),
    );
    const integratedTime = new Date(1634714717 * 1000);
    const path = await verifyChain(leaf, [], roots, {
      at: integratedTime,
      extKeyUsage: { oid: EKU_CODE_SIGNING },
    });
    expect(path.map((cert) => cert.subject.text)).toEqual(["", "O=sigstore.dev, CN=sigstore"]);
    expect(leaf.subjectAltNames).toEqual([{ type: "email", value: "flavio@castelli.me" }]);
    const before = new Date(leaf.notBefore.getTime() - 1000);
    const after = new Date(leaf.notAfter.getTime() + 1000);
    expect(await rejectedCode(() => verifyChain(leaf, [], roots, { at: before }))).toBe(
      "CERT_NOT_YET_VALID",
    );
    expect(await rejectedCode(() => verifyChain(leaf, [], roots, { at: after }))).toBe(
      "CERT_EXPIRED",
    );
  });

  describe("production Fulcio roots", () => {
    const trust = () => {
      const chains = corpusJson<TrustedRootJson>(PRODUCTION_ROOT).certificateAuthorities.map((ca) =>
        ca.certChain.certificates.map((entry) => parseCertificate(fromBase64(entry.rawBytes))),
      );
      return {
        intermediates: chains.flatMap((chain) => chain.slice(0, -1)),
        roots: chains.map((chain) => chain.at(-1) as Certificate),
      };
    };

    test.each([
      ["cosign's bundle (cody@soyland.com)", COSIGN_BUNDLE],
      ["sigstore-go's DSSE bundle", `${SIGSTORE_GO_BUNDLES}/dsse.sigstore.json`],
      [
        "sigstore-js's provenance bundle",
        `${SIGSTORE_GO_BUNDLES}/sigstore.js@2.0.0-provenance.sigstore.json`,
      ],
    ])("%s chains to a production root", async (_, bundle) => {
      const [leaf] = bundleCertificates(bundle).map((der) => parseCertificate(der)) as [
        Certificate,
      ];
      const { intermediates, roots } = trust();
      const at = new Date(leaf.notBefore.getTime() + 60_000);
      const path = await verifyChain(leaf, intermediates, roots, {
        at,
        extKeyUsage: { oid: EKU_CODE_SIGNING },
      });
      expect(path.map((cert) => cert.subject.text)).toEqual([
        "",
        "O=sigstore.dev, CN=sigstore-intermediate",
        "O=sigstore.dev, CN=sigstore",
      ]);
    });

    test("the othername bundle's private-instance certificate does not", async () => {
      const [leaf] = bundleCertificates(`${SIGSTORE_GO_BUNDLES}/othername.sigstore.json`).map(
        (der) => parseCertificate(der),
      ) as [Certificate];
      const { intermediates, roots } = trust();
      const at = new Date(leaf.notBefore.getTime() + 60_000);
      expect(await rejectedCode(() => verifyChain(leaf, intermediates, roots, { at }))).toBe(
        "UNTRUSTED_ROOT",
      );
    });
  });

  describe("Notary JWS envelopes", () => {
    interface Jws {
      payload: string;
      protected: string;
      signature: string;
      header: { x5c: string[] };
    }
    const base64Url = (text: string) =>
      fromBase64(
        text
          .replace(/-/g, "+")
          .replace(/_/g, "/")
          .padEnd(Math.ceil(text.length / 4) * 4, "="),
      );

    test("notation-go's PS384 envelope: x5c chains to the Notation Test Root, signature verifies", async () => {
      const jws = corpusJson<Jws>(`${NOTATION_GO}/internal/mock/testdata/ca_valid_sig_env.json`);
      const [leaf, ...rest] = jws.header.x5c.map((entry) =>
        parseCertificate(fromBase64(entry)),
      ) as [Certificate];
      const roots = parseCertificates(
        corpusBytes(
          `${NOTATION_GO}/verifier/testdata/truststore/x509/ca/valid-trust-store/NotationTestRoot.pem`,
        ),
      );
      const options = {
        at: new Date("2025-06-01T00:00:00Z"),
        extKeyUsage: { oid: EKU_CODE_SIGNING, allowMissing: true },
      };
      expect(await verifyChain(leaf, rest, roots, options)).toHaveLength(2);
      const signingInput = new TextEncoder().encode(`${jws.protected}.${jws.payload}`);
      const signature = base64Url(jws.signature);
      const pss = { hash: "sha384", rsaPadding: "pss" } as const;
      expect(await verifySignature(leaf.publicKey, signingInput, signature, pss)).toBe(true);
      expect(await verifySignature(leaf.publicKey, signingInput.subarray(1), signature, pss)).toBe(
        false,
      );
    });

    test("notation-go's PS256 envelope with a pinned self-signed certificate", async () => {
      const jws = corpusJson<Jws>(`${NOTATION_GO}/internal/testdata/jws_signature.sig`);
      const leaf = parseCertificate(fromBase64(jws.header.x5c[0] as string));
      expect(await verifyChain(leaf, [], [leaf], { at: new Date("2025-06-01T00:00:00Z") })).toEqual(
        [leaf],
      );
      const signingInput = new TextEncoder().encode(`${jws.protected}.${jws.payload}`);
      expect(
        await verifySignature(leaf.publicKey, signingInput, base64Url(jws.signature), {
          rsaPadding: "pss",
        }),
      ).toBe(true);
    });
  });
});
