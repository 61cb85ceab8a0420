/**
 * `keys.secret` through `imgverify apply` against the harness registry: the
 * attestor's key comes from the `cosign.pub` of a Secret manifest given with
 * the policy, as Kyverno reads it from the cluster.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { runImgverify } from "../../support/cli.ts";
import { podOf, verifyImagesPolicy } from "../../support/kyverno-resources.ts";
import { type SeededSignedImages, seedSignedImages } from "../../support/seed-signed.ts";
import { EMPTY_ROOT } from "../../unit/engine/core/world.ts";

const dir = makeTempDir("cli-apply-secrets");
afterAll(() => removeTempDir(dir));

const OTHER_KEY = [
  "-----BEGIN PUBLIC KEY-----",
  "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEstG5Xl7UxkQsmLUxdmS85HLgYBFy",
  "c/P/oQ22iazkKm8P0sNlaZiaZC4TSEea3oh2Pim0+wxSubhKoK+7jq9Egg==",
  "-----END PUBLIC KEY-----",
].join("\n");

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("imgverify apply with keys.secret", () => {
  const registry = inject("registries").anonymous;
  let seeded: SeededSignedImages;

  beforeAll(async () => {
    seeded = await seedSignedImages(registry, { images: 1 });
  }, 120_000);

  /** apply over the policy, with a Secret `keys/cosign-key` holding `publicKey` (none when undefined). */
  async function applyWith(publicKey: string | undefined) {
    const image = seeded.images[0];
    if (image === undefined) throw new Error("nothing seeded");
    const policy = verifyImagesPolicy("secret-keys", "check", [`${registry.host}/*`], {
      keys: { secret: { name: "cosign-key", namespace: "keys" }, rekor: { ignoreTlog: true } },
    });
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "cosign-key", namespace: "keys" },
      type: "Opaque",
      data: { "cosign.pub": Buffer.from(publicKey ?? "").toString("base64") },
    };
    const documents = [policy, ...(publicKey === undefined ? [] : [secret])];
    const policyFile = write(
      "policy.yaml",
      documents.map((d) => JSON.stringify(d)).join("\n---\n"),
    );
    return runImgverify(
      [
        ...["apply", "--insecure-registry", registry.host],
        ...["--trusted-root", write("root.json", JSON.stringify(EMPTY_ROOT))],
        ...["--policy", policyFile],
        ...["--resource", write("pod.json", JSON.stringify(podOf("web", image.reference)))],
      ],
      { dockerConfigDir: join(dir, "no-docker-config"), timeoutMs: 60_000 },
    );
  }

  it("admits the image signed by the key in the Secret", async () => {
    const { code, stdout, stderr } = await applyWith(seeded.keys[0]?.publicKeyPem);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("Pod/shop/web: allowed");
  });

  it("denies it when the Secret holds another key", async () => {
    const { code, stdout } = await applyWith(OTHER_KEY);
    expect(code).toBe(1);
    expect(stdout).toContain("Pod/shop/web: denied");
  });

  it("denies it, naming the Secret, when the Secret is not given", async () => {
    const { code, stdout } = await applyWith(undefined);
    expect(code).toBe(1);
    expect(stdout).toContain("Secret keys/cosign-key was not found");
  });
});
