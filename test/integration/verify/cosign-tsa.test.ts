/**
 * cosign signatures and attestations with RFC 3161 timestamps, as `cosign
 * sign --timestamp-server-url` stores them (the TSA's whole response in the
 * `dev.sigstore.cosign/rfc3161timestamp` annotation), from a real TSA
 * (openssl ts) over a real registry, checked with a Kyverno
 * `ctlog.tsaCertChain`: the timestamp must verify, and a certificate is
 * checked at the time it stamped, so a signature outlives its short-lived
 * certificate.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ImageRequest, TrustPolicy } from "../../../src/engine/checks/index.ts";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { runImgverify } from "../../support/cli.ts";
import type { PushedImage } from "../../support/context.ts";
import {
  attestationLayer,
  type CosignLayer,
  type SignBytes,
  signatureLayer,
} from "../../support/cosign-layers.ts";
import { run } from "../../support/exec.ts";
import { pushImage } from "../../support/images.ts";
import { podOf, verifyImagesPolicy } from "../../support/kyverno-resources.ts";
import { type OpensslTsa, opensslTsa } from "../../support/openssl-tsa.ts";
import { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import { EMPTY_ROOT } from "../../unit/engine/core/world.ts";
import {
  type OpensslKey,
  opensslKey,
  opensslSign,
  productionTrust,
  pushCosignManifest,
  SIGNATURE_ANNOTATION,
  verifyWithApi,
} from "./support.ts";

const TIMESTAMP_ANNOTATION = "dev.sigstore.cosign/rfc3161timestamp";
const CERTIFICATE_ANNOTATION = "dev.sigstore.cosign/certificate";
const SLSA = "https://slsa.dev/provenance/v1";
const DAY_MS = 24 * 60 * 60 * 1000;

const registry = inject("registries").anonymous;
const harness = new HarnessClient(registry);
const dir = makeTempDir("verify-cosign-tsa");
afterAll(() => removeTempDir(dir));

/** The annotation cosign writes: `{"SignedRFC3161Timestamp": base64 of the TSA's response}`. */
async function timestamped(
  layer: CosignLayer,
  tsa: OpensslTsa,
  stamped: Uint8Array | string,
): Promise<CosignLayer> {
  const response = await tsa.stamp(stamped, { response: true });
  const value = JSON.stringify({
    SignedRFC3161Timestamp: Buffer.from(response).toString("base64"),
  });
  return { ...layer, annotations: { ...layer.annotations, [TIMESTAMP_ANNOTATION]: value } };
}

const rawSignature = (layer: CosignLayer): Buffer =>
  Buffer.from(layer.annotations[SIGNATURE_ANNOTATION] ?? "", "base64");

/** An image whose one `.sig` layer is `make(image)`. */
async function signedImage(name: string, make: (image: PushedImage) => Promise<CosignLayer>) {
  const image = await pushImage(registry, `verify/tsa-${name}`, "v1");
  await pushCosignManifest(harness, image.repository, image.digest, "sig", [await make(image)]);
  return image;
}

/** An image signed by `sign`, its signature stamped by `authority` (over `over`, else the signature). */
function stampedImage(name: string, sign: SignBytes, authority: OpensslTsa, over?: string) {
  return signedImage(name, async (image) => {
    const layer = await signatureLayer(sign, image.reference, image.digest);
    return timestamped(layer, authority, over ?? rawSignature(layer));
  });
}

/** A code-signing CA and a leaf under it valid for one day, the leaf's key as an OpensslKey. */
async function shortLivedSigner(): Promise<{ caPem: string; leafPem: string; key: OpensslKey }> {
  const at = (file: string) => join(dir, file);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await run("openssl", [
    ...["req", "-x509", ...ec, "-keyout", at("ca.key"), "-out", at("ca.pem")],
    ...["-subj", "/CN=imgverify test code-signing CA", "-days", "30"],
    ...["-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign"],
  ]);
  await run("openssl", [
    "req",
    ...ec,
    "-keyout",
    at("leaf.key"),
    "-out",
    at("leaf.csr"),
    "-subj",
    "/CN=builder",
  ]);
  writeFileSync(
    at("leaf.ext"),
    "basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\nsubjectAltName=email:builder@example.com\n",
  );
  await run("openssl", [
    ...["x509", "-req", "-in", at("leaf.csr"), "-CA", at("ca.pem"), "-CAkey", at("ca.key")],
    ...["-CAcreateserial", "-out", at("leaf.pem"), "-days", "1", "-extfile", at("leaf.ext")],
  ]);
  await run("openssl", ["pkey", "-in", at("leaf.key"), "-pubout", "-out", at("leaf.pub")]);
  const key: OpensslKey = {
    kind: "ecdsa-p256",
    privatePath: at("leaf.key"),
    publicPath: at("leaf.pub"),
    publicPem: readFileSync(at("leaf.pub"), "utf8"),
  };
  return {
    caPem: readFileSync(at("ca.pem"), "utf8"),
    leafPem: readFileSync(at("leaf.pem"), "utf8"),
    key,
  };
}

describe("cosign signatures with RFC 3161 timestamps (ctlog.tsaCertChain)", () => {
  let key: OpensslKey;
  let tsa: OpensslTsa;
  let stranger: OpensslTsa;
  const sign = (data: Uint8Array | string) => opensslSign(dir, key, data);

  beforeAll(async () => {
    [key, tsa, stranger] = await Promise.all([
      opensslKey(dir, "ecdsa-p256", "tsa-signer"),
      opensslTsa("trusted"),
      opensslTsa("stranger"),
    ]);
  }, 60_000);

  const keyPolicy = (tsaCertChain?: string): TrustPolicy => ({
    signer: { kind: "keys", keys: [key.publicPem] },
    trust: productionTrust(),
    requireTlog: false,
    requireSct: false,
    ...(tsaCertChain !== undefined && { tsaCertChain }),
  });
  const signature = (policy: TrustPolicy): ImageRequest => ({
    policy,
    signature: true,
    attestations: [],
    formats: ["cosign"],
  });

  const verifyByKey = (image: PushedImage, tsaCertChain?: string) =>
    verifyWithApi(registry, image.reference, signature(keyPolicy(tsaCertChain)));

  it("admits a key signature whose timestamp the trusted TSA made over its signature", async () => {
    const before = Date.now();
    const image = await stampedImage("good", sign, tsa);
    const verdict = await verifyByKey(image, tsa.rootPem);
    expect(verdict).toMatchObject({
      verified: true,
      signatures: [{ format: "cosign", signer: { kind: "key" } }],
    });
    // The signing time is the TSA's, not the verifier's clock.
    const signedAt = Date.parse(verdict.signatures[0]?.signedAt ?? "");
    expect(Math.abs(signedAt - before)).toBeLessThan(60_000);
    // Pinning the TSA's own certificate in the chain still verifies.
    const pinned = await verifyByKey(image, `${tsa.tsaPem}${tsa.rootPem}`);
    expect(pinned.verified).toBe(true);
  });

  it("refuses a timestamp from a TSA the policy does not trust", async () => {
    const image = await stampedImage("stranger", sign, stranger);
    const verdict = await verifyByKey(image, tsa.rootPem);
    expect(verdict).toMatchObject({ verified: false, error: { code: "TIMESTAMP_UNTRUSTED" } });
    // Pinning another TSA certificate refuses it too, whoever issued it.
    const pinned = await verifyByKey(image, `${tsa.tsaPem}${stranger.rootPem}`);
    expect(pinned).toMatchObject({ verified: false, error: { code: "TIMESTAMP_INVALID" } });
    expect(pinned.error?.message).toContain("not by the TSA certificate the policy names");
  });

  it("refuses a genuine timestamp over other bytes, and a broken annotation", async () => {
    const moved = await stampedImage("moved", sign, tsa, "another signature");
    const verdict = await verifyByKey(moved, tsa.rootPem);
    expect(verdict).toMatchObject({ verified: false, error: { code: "TIMESTAMP_INVALID" } });
    expect(verdict.error?.message).toContain("message imprint is not the hash of the signature");

    const broken = await signedImage("broken", async (image) => {
      const layer = await signatureLayer(sign, image.reference, image.digest);
      return {
        ...layer,
        annotations: {
          ...layer.annotations,
          [TIMESTAMP_ANNOTATION]: '{"SignedRFC3161Timestamp":"AAAA"}',
        },
      };
    });
    const garbled = await verifyByKey(broken, tsa.rootPem);
    expect(garbled).toMatchObject({ verified: false, error: { code: "TIMESTAMP_INVALID" } });
  });

  it("admits a signature without a timestamp, as cosign and Kyverno do", async () => {
    const image = await signedImage("none", (image) =>
      signatureLayer(sign, image.reference, image.digest),
    );
    const verdict = await verifyByKey(image, tsa.rootPem);
    expect(verdict.verified).toBe(true);
    expect(verdict.signatures[0]?.signedAt).toBeUndefined();
  });

  it("checks a short-lived certificate at the time stamped, so the signature outlives it", async () => {
    const signer = await shortLivedSigner();
    const image = await signedImage("certificate", async (image) => {
      const layer = await signatureLayer(
        (data) => opensslSign(dir, signer.key, data),
        image.reference,
        image.digest,
      );
      const withCert = {
        ...layer,
        annotations: { ...layer.annotations, [CERTIFICATE_ANNOTATION]: signer.leafPem },
      };
      return timestamped(withCert, tsa, rawSignature(layer));
    });
    const policy = (tsaCertChain?: string): TrustPolicy => ({
      signer: { kind: "certificate", chain: signer.caPem },
      trust: productionTrust(),
      requireTlog: false,
      requireSct: false,
      ...(tsaCertChain !== undefined && { tsaCertChain }),
    });
    const inThreeDays = () => Date.now() + 3 * DAY_MS;
    // Today the certificate is valid either way.
    expect((await verifyWithApi(registry, image.reference, signature(policy()))).verified).toBe(
      true,
    );
    // In three days it has expired: only the TSA's time keeps the signature good.
    const untimed = await verifyWithApi(
      registry,
      image.reference,
      signature(policy()),
      inThreeDays,
    );
    expect(untimed).toMatchObject({ verified: false, error: { code: "CERTIFICATE_EXPIRED" } });
    const stamped = await verifyWithApi(
      registry,
      image.reference,
      signature(policy(tsa.rootPem)),
      inThreeDays,
    );
    expect(stamped).toMatchObject({
      verified: true,
      signatures: [{ signer: { kind: "certificate" } }],
    });
  });

  it("verifies an attestation whose timestamp is over its envelope", async () => {
    const image = await pushImage(registry, "verify/tsa-attested", "v1");
    const layer = await attestationLayer(sign, image.digest, SLSA, {
      builder: { id: "https://example.com/b" },
    });
    const good = await timestamped(layer, tsa, layer.content);
    await pushCosignManifest(harness, image.repository, image.digest, "att", [good]);
    const request: ImageRequest = {
      policy: keyPolicy(tsa.rootPem),
      signature: false,
      attestations: [SLSA],
      formats: ["cosign"],
    };
    const verdict = await verifyWithApi(registry, image.reference, request);
    expect(verdict).toMatchObject({ verified: true, attestations: [{ predicateType: SLSA }] });

    const other = await pushImage(registry, "verify/tsa-attested", "v2");
    const second = await attestationLayer(sign, other.digest, SLSA, {
      builder: { id: "https://example.com/b" },
    });
    // Stamped over the raw signature, not the envelope cosign stamps for attestations.
    const wrong = await timestamped(second, tsa, "not the envelope");
    await pushCosignManifest(harness, other.repository, other.digest, "att", [wrong]);
    const refused = await verifyWithApi(registry, other.reference, request);
    expect(refused).toMatchObject({ verified: false, error: { code: "TIMESTAMP_INVALID" } });
  });

  it("refuses a tsaCertChain without a root as an unusable policy, naming it", async () => {
    const image = await signedImage("no-root", (image) =>
      signatureLayer(sign, image.reference, image.digest),
    );
    await expect(verifyByKey(image, tsa.tsaPem)).rejects.toMatchObject({
      code: "POLICY_INVALID",
      message: expect.stringContaining("tsaCertChain: it holds no root"),
    });
  });
});

describe("a ClusterPolicy with ctlog.tsaCertChain through imgverify apply", () => {
  it("admits the image the trusted TSA stamped and denies the one a stranger stamped", async () => {
    const [key, tsa, stranger] = await Promise.all([
      opensslKey(dir, "ecdsa-p256", "apply-signer"),
      opensslTsa("apply trusted"),
      opensslTsa("apply stranger"),
    ]);
    const sign = (data: Uint8Array | string) => opensslSign(dir, key, data);
    const [good, bad] = await Promise.all([
      stampedImage("apply-good", sign, tsa),
      stampedImage("apply-bad", sign, stranger),
    ]);
    const entry = {
      keys: {
        publicKeys: key.publicPem,
        rekor: { ignoreTlog: true },
        ctlog: { ignoreSCT: true, tsaCertChain: tsa.rootPem },
      },
    };
    const policy = verifyImagesPolicy("timestamped", "tsa", [`${registry.host}/*`], entry);
    const write = (name: string, value: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(value));
      return path;
    };

    const apply = (resource: object) =>
      runImgverify(
        [
          ...["apply", "--insecure-registry", registry.host],
          ...["--trusted-root", write("root.json", EMPTY_ROOT)],
          ...["--policy", write("tsa-policy.json", policy)],
          ...["--resource", write("pod.json", resource)],
        ],
        { dockerConfigDir: join(dir, "no-docker-config"), timeoutMs: 60_000 },
      );
    const admitted = await apply(podOf("good", good.reference));
    expect({ code: admitted.code, stderr: admitted.stderr }).toEqual({ code: 0, stderr: "" });
    expect(admitted.stdout).toContain("Pod/shop/good: allowed");
    const denied = await apply(podOf("bad", bad.reference));
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain("Pod/shop/bad: denied");
    expect(denied.stdout).toContain("TSA certificate is not trusted");
  });
});
