/**
 * Sigstore bundles with RFC 3161 timestamps from a real TSA (openssl ts),
 * stored as referrers in the harness registry and checked with Kyverno's
 * `ctlog.tsaCertChain`: a timestamp must verify against the chain (or the
 * trusted root's authorities), one from another TSA fails the bundle, and a
 * bundle without a timestamp is checked as before.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { prepareTrustMaterial, type TrustPolicy } from "../../../src/engine/checks/index.ts";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { pushImage } from "../../support/images.ts";
import { type OpensslTsa, opensslTsa } from "../../support/openssl-tsa.ts";
import { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import { type LocalLog, localLog } from "./local-log.ts";
import {
  type BundleKey,
  bundleKey,
  publishReferrers,
  pushBundleReferrer,
  signatureBundle,
} from "./sign-bundle.ts";
import { verifyWithApi } from "./support.ts";

const registry = inject("registries").anonymous;
const harness = new HarnessClient(registry);
const dir = makeTempDir("verify-bundle-tsa");
afterAll(() => removeTempDir(dir));

let log: LocalLog;
let key: BundleKey;
let tsa: OpensslTsa;
let stranger: OpensslTsa;

beforeAll(async () => {
  log = localLog();
  key = bundleKey();
  [tsa, stranger] = await Promise.all([opensslTsa("bundle"), opensslTsa("stranger")]);
}, 60_000);

type BundleJson = {
  messageSignature: { signature: string };
  verificationMaterial: Record<string, unknown>;
};

/** An image with one signature bundle, stamped by `authority` over its signature when given. */
async function bundledImage(name: string, authority?: OpensslTsa): Promise<string> {
  const pushed = await pushImage(registry, `verify/bundle-tsa-${name}`, "v1");
  const manifest = await harness.getManifest(pushed.repository, pushed.digest);
  const subject = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size };
  const bundle = (await signatureBundle(key, log.witness, manifest.bytes)) as BundleJson;
  if (authority !== undefined) {
    // The bundle format holds the TSA's whole response, as cosign's annotation does.
    const signature = Buffer.from(bundle.messageSignature.signature, "base64");
    const token = await authority.stamp(signature, { response: true });
    bundle.verificationMaterial.timestampVerificationData = {
      rfc3161Timestamps: [{ signedTimestamp: Buffer.from(token).toString("base64") }],
    };
  }
  const referrer = await pushBundleReferrer(harness, pushed.repository, subject, bundle);
  await publishReferrers(harness, pushed.repository, subject.digest, [referrer]);
  return pushed.reference;
}

function check(reference: string, tsaCertChain?: string) {
  const policy: TrustPolicy = {
    signer: { kind: "keys", keys: [key.publicPem] },
    trust: prepareTrustMaterial(log.trustedRoot),
    requireTlog: true,
    requireSct: true,
    ...(tsaCertChain !== undefined && { tsaCertChain }),
  };
  return verifyWithApi(registry, reference, {
    policy,
    signature: true,
    attestations: [],
    formats: ["bundle"],
  });
}

describe("Sigstore bundles with RFC 3161 timestamps", () => {
  it("verifies a timestamp against the policy's TSA chain", async () => {
    const reference = await bundledImage("stamped", tsa);
    const verdict = await check(reference, `${tsa.tsaPem}\n${tsa.rootPem}`);
    expect(verdict).toMatchObject({ verified: true, signatures: [{ format: "bundle" }] });
    // Without the chain, the root names no TSA: the timestamp cannot be trusted.
    expect(await check(reference)).toMatchObject({ verified: false });
  });

  it("fails a bundle stamped by another TSA", async () => {
    const reference = await bundledImage("stranger", stranger);
    const verdict = await check(reference, `${tsa.tsaPem}\n${tsa.rootPem}`);
    expect(verdict).toMatchObject({ verified: false });
    expect(verdict.error?.message).toContain("timestamp");
  });

  it("checks a bundle without a timestamp as before", async () => {
    const reference = await bundledImage("unstamped");
    const verdict = await check(reference, `${tsa.tsaPem}\n${tsa.rootPem}`);
    expect(verdict).toMatchObject({ verified: true });
  });

  it("refuses a chain without the TSA's own certificate, saying so", async () => {
    const reference = await bundledImage("root-only", tsa);
    await expect(check(reference, tsa.rootPem)).rejects.toMatchObject({
      code: "POLICY_INVALID",
      message: expect.stringContaining("the TSA's own certificate"),
    });
  });
});
