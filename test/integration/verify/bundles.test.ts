/**
 * Sigstore bundles made here (a local key, the local log) and stored as OCI
 * referrers of real images in docker-registry 2.8, verified with --key and
 * the local log's trusted root: message signatures over the manifest, DSSE
 * attestations, cosign v3's DSSE signatures, and the ways they must fail.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { prepareTrustMaterial } from "../../../src/engine/checks/index.ts";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import type { PushedImage } from "../../support/context.ts";
import { pushImage, pushMultiArchIndex } from "../../support/images.ts";
import type { Descriptor } from "../../support/push.ts";
import { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import { type LocalLog, localLog } from "./local-log.ts";
import {
  attestationBundle,
  type BundleKey,
  bundleKey,
  publishReferrers,
  pushBundleReferrer,
  signatureBundle,
} from "./sign-bundle.ts";
import { dockerConfigDir, imgverify, registryFlags, verifyWithApi } from "./support.ts";

const registry = inject("registries").anonymous;
const harness = new HarnessClient(registry);
const SLSA = "https://slsa.dev/provenance/v1";
const COSIGN_SIGN = "https://sigstore.dev/cosign/sign/v1";

const dir = makeTempDir("verify-bundles");
afterAll(() => removeTempDir(dir));
const config = dockerConfigDir(dir, registry);

let log: LocalLog;
let key: BundleKey;
let keyPath: string;
let rootPath: string;

beforeAll(() => {
  log = localLog();
  key = bundleKey();
  keyPath = join(dir, "bundle-key.pub");
  rootPath = join(dir, "local-log-root.json");
  writeFileSync(keyPath, key.publicPem);
  writeFileSync(rootPath, JSON.stringify(log.trustedRoot));
});

async function verify(args: string[]) {
  const { code, stdout, stderr } = await imgverify(
    ["verify", "--json", ...registryFlags(registry), "--trusted-root", rootPath, ...args],
    config,
  );
  return { code, stderr, verdict: JSON.parse(stdout) };
}

/** An image, its manifest descriptor and bytes. */
async function image(
  repository: string,
): Promise<{ pushed: PushedImage; subject: Descriptor; bytes: Uint8Array }> {
  const pushed = await pushImage(registry, repository, "v1");
  const manifest = await harness.getManifest(repository, pushed.digest);
  const subject = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size };
  return { pushed, subject, bytes: manifest.bytes };
}

describe("Sigstore bundle referrers signed with a key", () => {
  it("verifies a message signature over the manifest, through the CLI and the API", async () => {
    const { pushed, subject, bytes } = await image("verify/bundle-signed");
    const referrer = await pushBundleReferrer(
      harness,
      pushed.repository,
      subject,
      await signatureBundle(key, log.witness, bytes),
    );
    await publishReferrers(harness, pushed.repository, subject.digest, [referrer]);
    const { code, verdict } = await verify(["--key", keyPath, pushed.reference]);
    expect(code).toBe(0);
    expect(verdict).toMatchObject({
      verified: true,
      digest: pushed.digest,
      signatures: [
        {
          format: "bundle",
          source: `${registry.host}/${pushed.repository}@${referrer.digest}`,
          signer: { kind: "key", keyId: expect.stringMatching(/^[0-9a-f]{64}$/) },
          signedAt: expect.stringMatching(/^20\d\d-/),
        },
      ],
    });
    const api = await verifyWithApi(registry, pushed.reference, {
      policy: {
        signer: { kind: "keys", keys: [key.publicPem] },
        trust: prepareTrustMaterial(log.trustedRoot),
        requireTlog: true,
        requireSct: true,
      },
      signature: true,
      attestations: [],
    });
    expect(api).toMatchObject({
      verified: true,
      signatures: [{ source: verdict.signatures[0].source }],
    });
  });

  it("verifies a DSSE attestation by predicate type, and does not take it for a signature", async () => {
    const { pushed, subject } = await image("verify/bundle-attested");
    const bundle = await attestationBundle(key, log.witness, subject.digest, SLSA, {
      buildType: "test",
    });
    const referrer = await pushBundleReferrer(harness, pushed.repository, subject, bundle);
    await publishReferrers(harness, pushed.repository, subject.digest, [referrer]);
    const attested = await verify(["--key", keyPath, "--attestation-type", SLSA, pushed.reference]);
    expect(attested.code).toBe(0);
    expect(attested.verdict.attestations).toEqual([
      expect.objectContaining({ format: "bundle", predicateType: SLSA }),
    ]);
    const signed = await verify(["--key", keyPath, pushed.reference]);
    expect(signed.code).toBe(1);
    expect(signed.verdict.error).toMatchObject({ code: "NO_SIGNATURES" });
  });

  it("takes cosign v3's DSSE signature (predicate type sign/v1) for a signature", async () => {
    const { pushed, subject } = await image("verify/bundle-cosign-v3");
    const bundle = await attestationBundle(key, log.witness, subject.digest, COSIGN_SIGN, {});
    const annotations = { "dev.sigstore.bundle.predicateType": COSIGN_SIGN };
    const referrer = await pushBundleReferrer(
      harness,
      pushed.repository,
      subject,
      bundle,
      annotations,
    );
    // Some writers leave the empty media type as the index entry's artifact type.
    const entry = { ...referrer, artifactType: "application/vnd.oci.empty.v1+json" };
    await publishReferrers(harness, pushed.repository, subject.digest, [entry]);
    const { code, verdict } = await verify([
      "--key",
      keyPath,
      "--type",
      "bundle",
      pushed.reference,
    ]);
    expect(code).toBe(0);
    expect(verdict.signatures).toHaveLength(1);
  });

  it("verifies the index digest of a multi-platform image", async () => {
    const index = await pushMultiArchIndex(registry, "verify/bundle-index", "v1");
    const manifest = await harness.getManifest(index.repository, index.digest);
    const subject = { mediaType: manifest.mediaType, digest: index.digest, size: manifest.size };
    const referrer = await pushBundleReferrer(
      harness,
      index.repository,
      subject,
      await signatureBundle(key, log.witness, manifest.bytes),
    );
    await publishReferrers(harness, index.repository, index.digest, [referrer]);
    const { code, verdict } = await verify(["--key", keyPath, index.reference]);
    expect(code).toBe(0);
    expect(verdict.digest).toBe(index.digest);
  });

  it("fails for another key, another image, and a log the root does not trust", async () => {
    const { pushed, subject, bytes } = await image("verify/bundle-failures");
    const other = await image("verify/bundle-failures-other");
    const good = await pushBundleReferrer(
      harness,
      pushed.repository,
      subject,
      await signatureBundle(key, log.witness, bytes),
    );
    // A genuine bundle of the other image, attached to this one.
    const moved = await pushBundleReferrer(
      harness,
      pushed.repository,
      subject,
      await signatureBundle(key, log.witness, other.bytes),
    );
    await publishReferrers(harness, pushed.repository, subject.digest, [moved]);
    const movedOnly = await verify(["--key", keyPath, pushed.reference]);
    expect(movedOnly.code).toBe(1);
    expect(movedOnly.verdict.error).toMatchObject({ code: "ARTIFACT_MISMATCH" });

    await publishReferrers(harness, pushed.repository, subject.digest, [moved, good]);
    expect((await verify(["--key", keyPath, pushed.reference])).code).toBe(0);

    await publishReferrers(harness, pushed.repository, subject.digest, [good]);
    const strangerPath = join(dir, "stranger.pub");
    writeFileSync(strangerPath, bundleKey().publicPem);
    const stranger = await verify(["--key", strangerPath, pushed.reference]);
    expect(stranger.code).toBe(1);
    expect(stranger.verdict.error).toMatchObject({ code: "SIGNATURE_INVALID" });

    // Without --trusted-root the production root applies, which does not know the local log.
    const production = await imgverify(
      [
        "verify",
        "--json",
        ...registryFlags(registry),
        "--key",
        keyPath,
        "--type",
        "bundle",
        pushed.reference,
      ],
      config,
    );
    expect(production.code).toBe(1);
    expect(JSON.parse(production.stdout).error).toMatchObject({ code: "TLOG_INVALID" });
  });
});
