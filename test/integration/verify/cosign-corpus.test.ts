/**
 * Signatures made by cosign itself, from the corpora: the DSSE attestation
 * bundle cosign v3 attached to its empty test image (signed keylessly by
 * cody@soyland.com), and the classic `.sig` material of sigstore-rs (one
 * signature by key, one keyless with a 2021 Fulcio certificate and Rekor
 * bundle), each stored in the registry the way cosign stores it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  checkSignatures,
  type ImageTarget,
  type TrustPolicy,
} from "../../../src/engine/checks/index.ts";
import { SingleFlight } from "../../../src/store/single-flight.ts";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { pushImage } from "../../support/images.ts";
import { type Descriptor, pushBlob, pushManifest } from "../../support/push.ts";
import { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import { recordingClient } from "../oci/setup.ts";
import { publishReferrers, pushBundleReferrer } from "./sign-bundle.ts";
import {
  corporaFolder,
  dockerConfigDir,
  imgverify,
  productionTrust,
  pushCosignManifest,
  registryFlags,
  SIGNATURE_ANNOTATION,
} from "./support.ts";

const registry = inject("registries").anonymous;
const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
const harness = new HarnessClient(registry);
const cosignCorpus = corporaFolder("cosign");
const rustCorpus = corporaFolder("sigstore-rs/extracted");

const dir = makeTempDir("verify-corpus");
afterAll(() => removeTempDir(dir));
const config = dockerConfigDir(dir, registry);

describe.runIf(cosignCorpus !== undefined)(
  "cosign's DSSE attestation bundle on its subject image",
  () => {
    const corpus = cosignCorpus as string;
    const ATTESTATION = "https://cosign.sigstore.dev/attestation/v1";
    const SUBJECT = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4";
    const rootPath = join(corpus, "pkg/cosign/testdata/trusted_root_pgi.json");
    const bundle = () =>
      readFileSync(join(corpus, "pkg/cosign/testdata/oci-attestation.sigstore.json"), "utf8");
    const reference = `${registry.host}/verify/cosign-empty:tag`;

    beforeAll(async () => {
      // skopeo 1.9 finds no image in this layout: its index entry has a Docker media type,
      // which that version does not look up by name. The bytes are pushed raw, unchanged.
      const layout = join(corpus, "derived/empty-image-layout");
      const blob = (digest: string) => readFileSync(join(layout, "blobs/sha256", digest.slice(7)));
      const manifest = blob(SUBJECT);
      const { config } = JSON.parse(manifest.toString("utf8")) as { config: Descriptor };
      await pushBlob(harness, "verify/cosign-empty", blob(config.digest), config.mediaType);
      const pushed = await pushManifest(
        harness,
        "verify/cosign-empty",
        "tag",
        manifest,
        DOCKER_MANIFEST,
      );
      expect(pushed.digest).toBe(SUBJECT);
      const subject: Descriptor = { mediaType: DOCKER_MANIFEST, digest: SUBJECT, size: 264 };
      const referrer = await pushBundleReferrer(harness, "verify/cosign-empty", subject, bundle());
      await publishReferrers(harness, "verify/cosign-empty", SUBJECT, [referrer]);
    });

    const verify = async (identity: string, image: string) => {
      const args = ["verify", "--json", ...registryFlags(registry), "--trusted-root", rootPath];
      const keyless = [
        "--certificate-identity",
        identity,
        "--certificate-oidc-issuer",
        "https://github.com/login/oauth",
      ];
      const { code, stdout } = await imgverify(
        [...args, ...keyless, "--attestation-type", ATTESTATION, image],
        config,
      );
      return { code, verdict: JSON.parse(stdout) };
    };

    it("verifies for cody@soyland.com, issuer https://github.com/login/oauth", async () => {
      const { code, verdict } = await verify("cody@soyland.com", reference);
      expect(code).toBe(0);
      expect(verdict).toMatchObject({
        verified: true,
        digest: SUBJECT,
        attestations: [
          {
            format: "bundle",
            predicateType: ATTESTATION,
            signer: {
              kind: "keyless",
              subject: "cody@soyland.com",
              issuer: "https://github.com/login/oauth",
            },
          },
        ],
      });
    });

    it("fails for another identity", async () => {
      const { code, verdict } = await verify("someone@soyland.com", reference);
      expect(code).toBe(1);
      expect(verdict.error).toMatchObject({ code: "IDENTITY_MISMATCH" });
    });

    it("fails when attached to a different image", async () => {
      const other = await pushImage(registry, "verify/cosign-empty-other", "v1");
      const manifest = await harness.getManifest(other.repository, other.digest);
      const subject = { mediaType: manifest.mediaType, digest: other.digest, size: manifest.size };
      const referrer = await pushBundleReferrer(harness, other.repository, subject, bundle());
      await publishReferrers(harness, other.repository, other.digest, [referrer]);
      const { code, verdict } = await verify("cody@soyland.com", other.reference);
      expect(code).toBe(1);
      expect(verdict.error).toMatchObject({ code: "SUBJECT_MISMATCH" });
    });
  },
);

describe.runIf(rustCorpus !== undefined)("sigstore-rs classic .sig material", () => {
  const corpus = rustCorpus as string;
  const read = (path: string) => readFileSync(join(corpus, path), "utf8");
  const repository = "verify/sigstore-rs";

  /** The signature layer for the material in `folder`, and the image digest its payload names. */
  function layerOf(folder: string, extra: Record<string, string> = {}) {
    const payload = read(`${folder}/simplesigning-payload.json`);
    const digest: string = JSON.parse(payload).critical.image["docker-manifest-digest"];
    const annotations = {
      [SIGNATURE_ANNOTATION]: read(`${folder}/signature.b64`).trim(),
      ...extra,
    };
    return { digest, layer: { content: payload, annotations } };
  }

  /** Checks signatures of `digest` (the image itself is not in the corpora) at `now`. */
  async function check(digest: string, policy: TrustPolicy, now: number) {
    const { client } = recordingClient(registry);
    const ctx = { client: client.withStore(new SingleFlight<string, unknown>()), now: () => now };
    const target: ImageTarget = {
      name: `${registry.host}/${repository}`,
      repository: { registry: registry.host, repository },
      digest,
    };
    return checkSignatures(ctx, target, policy, { formats: ["cosign"] });
  }

  it("verifies the key-signed signature with cosign.pub", async () => {
    const { digest, layer } = layerOf("keyed");
    await pushCosignManifest(harness, repository, digest, "sig", [layer]);
    const policy: TrustPolicy = {
      signer: { kind: "keys", keys: [read("keyed/cosign.pub")] },
      trust: productionTrust(),
      requireTlog: false,
      requireSct: true,
    };
    const [signature] = await check(digest, policy, Date.now());
    expect(signature).toMatchObject({ format: "cosign", signer: { kind: "key" } });
  });

  it("verifies the keyless signature at its log time, for its signer only", async () => {
    const folder = "keyless-legacy-bundle";
    const { digest, layer } = layerOf(folder, {
      "dev.sigstore.cosign/certificate": read(`${folder}/cert.pem`),
      "dev.sigstore.cosign/bundle": read(`${folder}/dev.sigstore.cosign-bundle.json`),
    });
    await pushCosignManifest(harness, repository, digest, "sig", [layer]);
    const integratedTime: number = JSON.parse(read(`${folder}/dev.sigstore.cosign-bundle.json`))
      .Payload.integratedTime;
    // Fulcio certificates of 2021 carry no SCTs (nor an OIDC issuer extension).
    const policy = (subject: string): TrustPolicy => ({
      signer: { kind: "keyless", identity: { subject } },
      trust: productionTrust(),
      requireTlog: true,
      requireSct: false,
    });
    const [signature] = await check(digest, policy("flavio@castelli.me"), integratedTime * 1000);
    expect(signature).toMatchObject({
      format: "cosign",
      signer: { kind: "keyless", subject: "flavio@castelli.me" },
      signedAt: new Date(integratedTime * 1000).toISOString(),
    });
    await expect(
      check(digest, policy("someone@castelli.me"), integratedTime * 1000),
    ).rejects.toMatchObject({
      code: "IDENTITY_MISMATCH",
    });
  });
});
