import { KeyUsageFlags } from "@peculiar/asn1-x509";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type CertificatePolicy,
  type CosignTrust,
  prepareCosignTrust,
  verifyCosignSignature,
} from "../../../../src/verify/cosign/index.ts";
import {
  EXT,
  INSIDE,
  type IssuedCertificate,
  issue,
  type TestKey,
  toBase64,
} from "../../crypto/fixtures.ts";
import { freshKey, IMAGE_DIGEST, rejectsWith, simpleSigning } from "./fixtures.ts";
import { certificatePem } from "./sigstore-fixtures.ts";

const CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
const TOO_LATE = new Date("2040-01-01T00:00:00Z");

let trust: CosignTrust;
let root: IssuedCertificate;
let intermediate: IssuedCertificate;
let signer: IssuedCertificate;
let signerKey: TestKey;

/** A private PKI: root, intermediate, code-signing leaf (valid 2024-2034). */
async function pki(leafKey: TestKey) {
  const caUsage = EXT.keyUsage(KeyUsageFlags.keyCertSign);
  const ca = await issue({
    subject: "Acme Root",
    key: await freshKey("P-384"),
    extensions: [EXT.ca(), caUsage],
  });
  const sub = await issue({
    subject: "Acme Signing CA",
    key: await freshKey(),
    issuer: ca,
    extensions: [EXT.ca(0), caUsage],
  });
  const leaf = await issue({
    subject: "Acme Release",
    key: leafKey,
    issuer: sub,
    extensions: [EXT.keyUsage(KeyUsageFlags.digitalSignature), EXT.eku(CODE_SIGNING)],
  });
  return { ca, sub, leaf };
}

beforeAll(async () => {
  trust = prepareCosignTrust({
    mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.2",
  });
  signerKey = await freshKey();
  ({ ca: root, sub: intermediate, leaf: signer } = await pki(signerKey));
});

async function layer(
  options: { cert?: IssuedCertificate | null; chain?: string; key?: TestKey } = {},
) {
  const payload = simpleSigning();
  const annotations: Record<string, string> = {
    "dev.cosignproject.cosign/signature": toBase64(await (options.key ?? signerKey).sign(payload)),
  };
  if (options.cert !== null)
    annotations["dev.sigstore.cosign/certificate"] = certificatePem(options.cert ?? signer);
  if (options.chain !== undefined) annotations["dev.sigstore.cosign/chain"] = options.chain;
  return { layer: payload, annotations };
}

function verify(
  signed: Awaited<ReturnType<typeof layer>>,
  policy: Omit<CertificatePolicy, "kind">,
  now = INSIDE,
) {
  return verifyCosignSignature({
    ...signed,
    imageDigest: IMAGE_DIGEST,
    policy: { kind: "certificate", rekor: { ignoreTlog: true }, ...policy },
    trust,
    now,
  });
}

describe("cosign signatures with a given certificate or chain", () => {
  it("verifies with a pinned certificate, carried by the layer or not", async () => {
    const pinned = { cert: certificatePem(signer) };
    const result = await verify(await layer(), pinned);
    expect(result.signer).toMatchObject({
      kind: "certificate",
      fingerprint: signer.cert.fingerprint,
      chain: [],
    });
    await verify(await layer({ cert: null }), pinned);
    const base64Pem = { cert: btoa(certificatePem(signer)) };
    await verify(await layer(), base64Pem);
  });

  it("fails when the layer's certificate is not the pinned one, or another key signed", async () => {
    const other = await pki(await freshKey());
    await rejectsWith(
      verify(await layer({ cert: other.leaf }), { cert: certificatePem(signer) }),
      "CERTIFICATE_MISMATCH",
    );
    await rejectsWith(
      verify(await layer({ key: await freshKey() }), { cert: certificatePem(signer) }),
      "SIGNATURE_INVALID",
    );
  });

  it("checks the pinned certificate's validity at the signing time", async () => {
    await rejectsWith(
      verify(await layer(), { cert: certificatePem(signer) }, TOO_LATE),
      "CERTIFICATE_EXPIRED",
    );
  });

  it("chains a pinned certificate to certChain, with SCTs unless ignored", async () => {
    const chain = certificatePem(intermediate) + certificatePem(root);
    const policy = { cert: certificatePem(signer), certChain: chain, ctlog: { ignoreSCT: true } };
    expect((await verify(await layer(), policy)).signer).toMatchObject({
      chain: [intermediate.cert.fingerprint, root.cert.fingerprint],
    });
    await rejectsWith(verify(await layer(), { ...policy, ctlog: {} }), "SCT_MISSING");
    const other = await pki(signerKey);
    const foreignChain = certificatePem(other.sub) + certificatePem(other.ca);
    await rejectsWith(
      verify(await layer(), { ...policy, certChain: foreignChain }),
      "CHAIN_INVALID",
    );
  });

  it("with certChain alone, chains the layer's certificate to it", async () => {
    const policy = { certChain: certificatePem(root), ctlog: { ignoreSCT: true } };
    const result = await verify(await layer({ chain: certificatePem(intermediate) }), policy);
    expect(result.signer).toMatchObject({ fingerprint: signer.cert.fingerprint });
    await rejectsWith(verify(await layer(), policy), "CHAIN_INVALID");
    await rejectsWith(verify(await layer({ cert: null }), policy), "CERTIFICATE_MISSING");
    const other = await pki(signerKey);
    await rejectsWith(
      verify(await layer({ cert: other.leaf, chain: certificatePem(other.sub) }), policy),
      "CHAIN_INVALID",
    );
  });

  it("refuses a policy with neither cert nor chain, or several certificates as cert", async () => {
    await rejectsWith(verify(await layer(), {}), "POLICY_INVALID");
    const two = certificatePem(signer) + certificatePem(intermediate);
    await rejectsWith(verify(await layer(), { cert: two }), "POLICY_INVALID");
    await rejectsWith(
      verify(await layer(), {
        cert: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
      }),
      "POLICY_INVALID",
    );
  });

  it("refuses a malformed certificate annotation", async () => {
    const broken = {
      ...(await layer()),
      annotations: { ...(await layer()).annotations, "dev.sigstore.cosign/certificate": "junk" },
    };
    await rejectsWith(verify(broken, { cert: certificatePem(signer) }), "CERTIFICATE_INVALID");
  });
});
