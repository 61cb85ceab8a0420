/**
 * Classic cosign signatures made here with openssl keys of every kind cosign
 * takes, stored the way cosign stores them (a `sha256-<hex>.sig` manifest
 * whose layers are simple-signing payloads with the signature annotation),
 * verified through the command line and through the API.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import type { PushedImage } from "../../support/context.ts";
import { attestationLayer, type SignBytes, signatureLayer } from "../../support/cosign-layers.ts";
import { pushImage } from "../../support/images.ts";
import { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import {
  dockerConfigDir,
  imgverify,
  type KeyKind,
  type OpensslKey,
  opensslKey,
  opensslSign,
  productionTrust,
  pushCosignManifest,
  registryFlags,
  verifyWithApi,
} from "./support.ts";

const registries = inject("registries");
const KINDS: KeyKind[] = ["ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-pkcs1", "rsa-pss"];

const dir = makeTempDir("verify-cosign");
afterAll(() => removeTempDir(dir));

/** Signs with `key` through openssl, as the layers below expect. */
const signer =
  (key: OpensslKey): SignBytes =>
  (data) =>
    opensslSign(dir, key, data);
const BUILDER = { builder: { id: "https://example.com/builder" } };

/** A signature layer over `digest` by `key`, as `cosign sign --key` makes it (without the log). */

describe.each(["anonymous", "token"] as const)("cosign .sig signatures (%s registry)", (mode) => {
  const registry = registries[mode];
  const harness = new HarnessClient(registry);
  const config = dockerConfigDir(dir, registry);
  const verify = (args: string[]) =>
    imgverify(["verify", ...registryFlags(registry), ...args], config);

  describe.each(KINDS)("signed with a %s key", (kind) => {
    let key: OpensslKey;
    let image: PushedImage;

    beforeAll(async () => {
      key = await opensslKey(dir, kind, `${mode}-${kind}`);
      image = await pushImage(registry, `verify/cosign-${kind}`, "v1");
      const repository = `${registry.host}/${image.repository}`;
      const layer = await signatureLayer(signer(key), repository, image.digest);
      await pushCosignManifest(harness, image.repository, image.digest, "sig", [layer]);
    });

    it("verifies with --key", async () => {
      const args = ["--key", key.publicPath, "--insecure-ignore-tlog", image.reference];
      const { code, stdout, stderr } = await verify(args);
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      expect(stdout).toMatch(
        new RegExp(
          `^Verified ${image.reference}\ndigest: ${image.digest}\nsignature by key sha256:[0-9a-f]{64} \\[cosign\\] `,
        ),
      );
    });

    it("verifies through the API", async () => {
      const verdict = await verifyWithApi(registry, image.reference, {
        policy: {
          signer: { kind: "keys", keys: [key.publicPem] },
          trust: productionTrust(),
          requireTlog: false,
          requireSct: true,
        },
        signature: true,
        attestations: [],
      });
      expect(verdict).toMatchObject({
        verified: true,
        digest: image.digest,
        signatures: [{ format: "cosign", signer: { kind: "key" } }],
      });
    });
  });
});

describe("cosign .sig signatures that must not verify", () => {
  const registry = registries.anonymous;
  const harness = new HarnessClient(registry);
  const config = dockerConfigDir(dir, registry);
  const verify = (args: string[]) =>
    imgverify(["verify", "--json", ...registryFlags(registry), ...args], config);
  let key: OpensslKey;
  let other: OpensslKey;

  beforeAll(async () => {
    [key, other] = await Promise.all([
      opensslKey(dir, "ecdsa-p256", "signer"),
      opensslKey(dir, "ecdsa-p256", "stranger"),
    ]);
  });

  async function verdictOf(args: string[]) {
    const { code, stdout, stderr } = await verify(["--insecure-ignore-tlog", ...args]);
    return { code, stderr, verdict: JSON.parse(stdout) };
  }

  it("exits 1 for an unsigned image", async () => {
    const image = await pushImage(registry, "verify/unsigned", "v1");
    const { code, verdict } = await verdictOf(["--key", key.publicPath, image.reference]);
    expect(code).toBe(1);
    expect(verdict).toMatchObject({
      verified: false,
      digest: image.digest,
      signatures: [],
      error: { code: "NO_SIGNATURES" },
    });
  });

  it("exits 1 for a signature by another key", async () => {
    const image = await pushImage(registry, "verify/wrong-key", "v1");
    const layer = await signatureLayer(signer(other), image.reference, image.digest);
    await pushCosignManifest(harness, image.repository, image.digest, "sig", [layer]);
    const { code, verdict } = await verdictOf(["--key", key.publicPath, image.reference]);
    expect(code).toBe(1);
    expect(verdict.error).toMatchObject({ code: "SIGNATURE_INVALID" });
    // The right key still verifies it: the failure above is the key's.
    expect((await verdictOf(["--key", other.publicPath, image.reference])).code).toBe(0);
  });

  it("exits 1 for a signature whose payload names another digest", async () => {
    const [image, decoy] = await Promise.all([
      pushImage(registry, "verify/moved-signature", "v1"),
      pushImage(registry, "verify/moved-signature", "v2"),
    ]);
    // A genuine signature of v2, copied under v1's signature tag.
    const layer = await signatureLayer(signer(key), decoy.reference, decoy.digest);
    await pushCosignManifest(harness, image.repository, image.digest, "sig", [layer]);
    const { code, verdict } = await verdictOf(["--key", key.publicPath, image.reference]);
    expect(code).toBe(1);
    expect(verdict.error).toMatchObject({ code: "PAYLOAD_DIGEST_MISMATCH" });
  });

  it("needs a transparency-log entry unless told to ignore the log", async () => {
    const image = await pushImage(registry, "verify/no-tlog", "v1");
    const layer = await signatureLayer(signer(key), image.reference, image.digest);
    await pushCosignManifest(harness, image.repository, image.digest, "sig", [layer]);
    const { code, stdout } = await verify(["--key", key.publicPath, image.reference]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).error).toMatchObject({ code: "TLOG_MISSING" });
  });

  it("finds signatures kept in another repository with --signature-repository", async () => {
    const image = await pushImage(registry, "verify/elsewhere", "v1");
    const layer = await signatureLayer(signer(key), image.reference, image.digest);
    await pushCosignManifest(harness, "verify/signatures", image.digest, "sig", [layer]);
    const beside = await verdictOf(["--key", key.publicPath, image.reference]);
    expect(beside.verdict.error).toMatchObject({ code: "NO_SIGNATURES" });
    const elsewhere = `${registry.host}/verify/signatures`;
    const args = ["--key", key.publicPath, "--signature-repository", elsewhere, image.reference];
    const { code, verdict } = await verdictOf(args);
    expect(code).toBe(0);
    expect(verdict.signatures).toEqual([
      expect.objectContaining({ source: expect.stringMatching(`^${elsewhere}@sha256:`) }),
    ]);
  });

  it("accepts any one good signature among several layers and keys", async () => {
    const image = await pushImage(registry, "verify/several", "v1");
    const layers = await Promise.all([
      signatureLayer(signer(other), image.reference, image.digest),
      signatureLayer(signer(key), image.reference, image.digest),
    ]);
    await pushCosignManifest(harness, image.repository, image.digest, "sig", layers);
    const third = await opensslKey(dir, "ed25519", "third");
    const { code, verdict } = await verdictOf([
      "--key",
      third.publicPath,
      "--key",
      key.publicPath,
      image.reference,
    ]);
    expect(code).toBe(0);
    expect(verdict.signatures).toHaveLength(1);
  });

  it("verifies a .att DSSE attestation by predicate type with --attestation-type", async () => {
    const image = await pushImage(registry, "verify/attested", "v1");
    const decoy = await pushImage(registry, "verify/attested", "v2");
    const SLSA = "https://slsa.dev/provenance/v1";
    const layers = await Promise.all([
      attestationLayer(signer(key), image.digest, SLSA, BUILDER),
      // A genuine attestation, but about another image.
      attestationLayer(signer(key), decoy.digest, "https://example.com/moved/v1", BUILDER),
    ]);
    await pushCosignManifest(harness, image.repository, image.digest, "att", layers);
    const { code, verdict } = await verdictOf([
      "--key",
      key.publicPath,
      "--attestation-type",
      SLSA,
      image.reference,
    ]);
    expect(code).toBe(0);
    expect(verdict).toMatchObject({
      signatures: [],
      attestations: [{ format: "cosign", predicateType: SLSA, signer: { kind: "key" } }],
    });
    const moved = await verdictOf([
      "--key",
      key.publicPath,
      "--attestation-type",
      "https://example.com/moved/v1",
      image.reference,
    ]);
    expect(moved.code).toBe(1);
    expect(moved.verdict.error).toMatchObject({ code: "SUBJECT_MISMATCH" });
    const byStranger = await verdictOf([
      "--key",
      other.publicPath,
      "--attestation-type",
      SLSA,
      image.reference,
    ]);
    expect(byStranger.code).toBe(1);
    expect(byStranger.verdict.error).toMatchObject({ code: "SIGNATURE_INVALID" });
    const absent = await verdictOf([
      "--key",
      key.publicPath,
      "--attestation-type",
      "https://spdx.dev/Document",
      image.reference,
    ]);
    expect(absent.verdict.error).toMatchObject({ code: "NO_ATTESTATIONS" });
  });
});

/**
 * A `.att` layer as `cosign attest --key` writes it: a DSSE envelope of an
 * in-toto statement about `subject`, signed over DSSE's pre-authentication
 * encoding, with the predicate type as an annotation.
 */
