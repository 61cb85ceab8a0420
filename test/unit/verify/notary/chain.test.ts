import { describe, expect, it } from "vitest";
import type { NotaryErrorCode } from "../../../../src/verify/notary/index.ts";
import { EXT, issue, testKey } from "../../crypto/fixtures.ts";
import {
  CA_EXTENSIONS,
  CODE_SIGNING,
  chainSigner,
  KU,
  LEAF_EXTENSIONS,
  pemOf,
  type Signer,
  selfSignedSigner,
  signJws,
  verifyEnvelope,
} from "./support.ts";

/** Fails as `code`; trust defaults to the chain's last certificate. */
async function fails(
  signer: Signer,
  code: NotaryErrorCode,
  reason: RegExp,
  trustedCertificates?: string,
): Promise<void> {
  const verification = verifyEnvelope(
    signer,
    await signJws(signer),
    trustedCertificates === undefined ? {} : { trustedCertificates },
  );
  await expect(verification).rejects.toMatchObject({ code });
  await expect(verification).rejects.toThrow(reason);
}

describe("trust", () => {
  it("holds when the chain ends at, or passes through, a trusted certificate", async () => {
    const signer = await chainSigner();
    const envelope = await signJws(signer);
    for (const [trusted, name] of [
      [signer.root, "CN=root"],
      [signer.intermediate, "CN=intermediate"],
      [signer.leaf, "CN=leaf"],
    ] as const) {
      const result = await verifyEnvelope(signer, envelope, {
        trustedCertificates: pemOf(trusted),
      });
      expect(result.trustedBy).toBe(name);
      expect(result.certificateChain).toEqual(["CN=leaf", "CN=intermediate", "CN=root"]);
    }
  });

  it("takes parsed certificates and several PEM blocks", async () => {
    const signer = await chainSigner();
    const other = await selfSignedSigner("ES384");
    const envelope = await signJws(signer);
    const both = pemOf(other.leaf, signer.root);
    await expect(
      verifyEnvelope(signer, envelope, { trustedCertificates: both }),
    ).resolves.toMatchObject({ trustedBy: "CN=root" });
    await expect(
      verifyEnvelope(signer, envelope, { trustedCertificates: [signer.intermediate.cert] }),
    ).resolves.toMatchObject({ trustedBy: "CN=intermediate" });
  });

  it("fails without a trusted certificate in the chain", async () => {
    const signer = await chainSigner();
    const stranger = await selfSignedSigner("ES384");
    await fails(signer, "UNTRUSTED", /no certificate of the chain/, pemOf(...stranger.chain));
  });

  it("refuses unusable trust material", async () => {
    const signer = await selfSignedSigner("ES256");
    const envelope = await signJws(signer);
    for (const trustedCertificates of ["", "-----BEGIN CERTIFICATE-----\nAAAA\n", []]) {
      await expect(verifyEnvelope(signer, envelope, { trustedCertificates })).rejects.toMatchObject(
        { code: "OPTIONS_INVALID" },
      );
    }
  });
});

describe("chain structure", () => {
  it("must end with a self-signed root", async () => {
    const signer = await chainSigner();
    const cut = { ...signer, chain: signer.chain.slice(0, 2) };
    await fails(cut, "CHAIN_INVALID", /not a valid self-signed root/, pemOf(signer.root));
  });

  it("must be in order, each certificate issued by the next", async () => {
    const signer = await chainSigner();
    const { leaf, intermediate, root } = signer;
    await fails(
      { ...signer, chain: [leaf, root, intermediate] },
      "CHAIN_INVALID",
      /not issued by the next/,
    );
  });

  it("must not hold a self-signed certificate before the root", async () => {
    const signer = await chainSigner();
    const extraRoot = await issue({
      subject: "other root",
      key: await testKey("P-256"),
      extensions: CA_EXTENSIONS(),
    });
    await fails(
      { ...signer, chain: [...signer.chain, extraRoot] },
      "CHAIN_INVALID",
      /self-signed but is not the last/,
    );
  });

  it("refuses a certificate that does not parse", async () => {
    const signer = await selfSignedSigner("ES256");
    const envelope = await signJws(signer, { header: { x5c: ["MAkGA1UEBhMCVVM="] } });
    await expect(verifyEnvelope(signer, envelope)).rejects.toMatchObject({ code: "CERT_INVALID" });
  });
});

describe("the signing certificate", () => {
  it("needs a critical keyUsage of digitalSignature only", async () => {
    await fails(
      await selfSignedSigner("ES256", [EXT.eku(CODE_SIGNING)]),
      "CERT_INVALID",
      /keyUsage is missing/,
    );
    await fails(
      await selfSignedSigner("ES256", [EXT.keyUsage(KU.digitalSignature | KU.keyEncipherment)]),
      "CERT_INVALID",
      /digitalSignature only, found keyEncipherment/,
    );
    await fails(
      await selfSignedSigner("ES256", [EXT.keyUsage(KU.keyCertSign)]),
      "CERT_INVALID",
      /lacks digitalSignature/,
    );
  });

  it("may have no extKeyUsage, but none for other purposes", async () => {
    const plain = await selfSignedSigner("ES256", [EXT.keyUsage(KU.digitalSignature)]);
    await expect(verifyEnvelope(plain, await signJws(plain))).resolves.toMatchObject({
      algorithm: "ES256",
    });
    for (const [oid, name] of [
      ["1.3.6.1.5.5.7.3.1", "serverAuth"],
      ["1.3.6.1.5.5.7.3.8", "timeStamping"],
      ["2.5.29.37.0", "anyExtendedKeyUsage"],
    ]) {
      const signer = await selfSignedSigner("ES256", [
        EXT.keyUsage(KU.digitalSignature),
        EXT.eku(CODE_SIGNING, oid as string),
      ]);
      await fails(signer, "CERT_INVALID", new RegExp(`must not include ${name}`));
    }
  });

  it("must not be a CA", async () => {
    await fails(
      await selfSignedSigner("ES256", [EXT.ca(), ...LEAF_EXTENSIONS()]),
      "CERT_INVALID",
      /must not be a CA/,
    );
  });
});

describe("CA certificates", () => {
  it("need critical basicConstraints and keyCertSign", async () => {
    await fails(
      await chainSigner({ intermediateExtensions: [EXT.keyUsage(KU.keyCertSign)] }),
      "CERT_INVALID",
      /basicConstraints/,
    );
    await fails(
      await chainSigner({ intermediateExtensions: [EXT.ca(), EXT.keyUsage(KU.digitalSignature)] }),
      "CERT_INVALID",
      /keyCertSign/,
    );
  });

  it("honour pathLen", async () => {
    const signer = await chainSigner();
    const caKey = await testKey("P-384");
    const tight = await issue({ subject: "root", key: caKey, extensions: CA_EXTENSIONS(0) });
    const middle = await issue({
      subject: "middle",
      key: caKey,
      issuer: tight,
      extensions: CA_EXTENSIONS(),
      serial: 4,
    });
    const intermediate = await issue({
      subject: "intermediate",
      key: caKey,
      issuer: middle,
      extensions: CA_EXTENSIONS(),
      serial: 5,
    });
    const leaf = await issue({
      subject: "leaf",
      key: signer.key,
      issuer: intermediate,
      extensions: LEAF_EXTENSIONS(),
      serial: 6,
    });
    await fails(
      { ...signer, chain: [leaf, intermediate, middle, tight] },
      "CHAIN_INVALID",
      /pathLen 0/,
    );
  });
});
