/**
 * An ImageValidatingPolicy with a cosign key attestor and an in-toto
 * attestation, through `imgverify apply` against the harness registry: the
 * CEL validations read the outcomes of checks run over the request's store,
 * a signed image is admitted (and pinned), an unsigned one denied, and a
 * validation over the attestation's payload decides as written.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { runImgverify } from "../../support/cli.ts";
import { pushImage } from "../../support/images.ts";
import { keyAttestedIvpol, podOf } from "../../support/kyverno-resources.ts";
import {
  type SeededSignedImages,
  SLSA_PROVENANCE,
  seedSignedImages,
} from "../../support/seed-signed.ts";
import { EMPTY_ROOT } from "../../unit/engine/core/world.ts";

const dir = makeTempDir("cli-apply-ivpol");
afterAll(() => removeTempDir(dir));
const registry = inject("registries").anonymous;

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function ivpol(publicKey: string, validations: object[]) {
  const attestations = [{ name: "slsa", intoto: { type: SLSA_PROVENANCE } }];
  return keyAttestedIvpol({ registryHost: registry.host, publicKey, validations, attestations });
}

const SIGNED = {
  expression:
    "images.containers.map(image, verifyImageSignatures(image, [attestors.key])).all(e, e > 0)",
  message: "failed to verify image with the key",
};

describe("imgverify apply with an ImageValidatingPolicy", () => {
  let seeded: SeededSignedImages;
  let unsigned: string;

  beforeAll(async () => {
    seeded = await seedSignedImages(registry, { images: 1, attestations: [SLSA_PROVENANCE] });
    unsigned = (await pushImage(registry, "ivpol/unsigned", "v1")).reference;
  }, 120_000);

  function apply(validations: object[], image: string) {
    const key = seeded.keys[0]?.publicKeyPem ?? "";
    return runImgverify(
      [
        ...["apply", "--insecure-registry", registry.host],
        ...["--trusted-root", write("root.json", JSON.stringify(EMPTY_ROOT))],
        ...["--policy", write("policy.json", JSON.stringify(ivpol(key, validations)))],
        ...["--resource", write("pod.json", JSON.stringify(podOf("web", image)))],
      ],
      { dockerConfigDir: join(dir, "no-docker-config"), timeoutMs: 60_000 },
    );
  }

  it("admits the signed image, pinning its digest", async () => {
    const image = seeded.images[0];
    const { code, stdout, stderr } = await apply([SIGNED], image?.reference ?? "");
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("Pod/shop/web: allowed");
    expect(stdout).toContain(`pass signed-images/signed-images ${image?.reference}`);
    expect(stdout).toContain(`@${image?.digest}`);
  });

  it("denies the unsigned image with the validation's message", async () => {
    const { code, stdout } = await apply([SIGNED], unsigned);
    expect(code).toBe(1);
    expect(stdout).toContain("Pod/shop/web: denied");
    expect(stdout).toContain("failed to verify image with the key");
  });

  it("reads the verified attestation's payload", async () => {
    const attested = {
      expression:
        "images.containers.map(image, verifyAttestationSignatures(image, attestations.slsa, [attestors.key])).all(e, e > 0)",
    };
    const payload = (want: string) => ({
      expression: `images.containers.map(image, extractPayload(image, attestations.slsa).predicateType == '${want}').all(e, e)`,
      message: "not SLSA provenance",
    });
    const image = seeded.images[0]?.reference ?? "";
    const passed = await apply([SIGNED, attested, payload(SLSA_PROVENANCE)], image);
    expect(passed.stdout).toContain("Pod/shop/web: allowed");
    const failed = await apply([SIGNED, attested, payload("https://example.com/other")], image);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("not SLSA provenance");
  });
});
