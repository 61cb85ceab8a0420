/**
 * `imageRegistryCredentials.secrets` through `imgverify apply` against the
 * harness's password registry: the entry's registry calls authenticate with
 * the pull secret given beside the policy, and with nothing else (no Docker
 * config), so a missing, misnamed or malformed Secret leaves the image
 * unverifiable and denied.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { runImgverify } from "../../support/cli.ts";
import { podOf, verifyImagesPolicy } from "../../support/kyverno-resources.ts";
import { type SeededSignedImages, seedSignedImages } from "../../support/seed-signed.ts";
import { EMPTY_ROOT } from "../../unit/engine/core/world.ts";
import { dockerConfigText, ownCredentials } from "../oci/setup.ts";

const dir = makeTempDir("cli-apply-pull-secrets");
afterAll(() => removeTempDir(dir));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const base64 = (text: string) => Buffer.from(text).toString("base64");

/** A `kubernetes.io/dockerconfigjson` Secret, as `kubectl create secret docker-registry` makes it. */
function pullSecret(namespace: string, name: string, dockerConfig: string) {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace },
    type: "kubernetes.io/dockerconfigjson",
    data: { ".dockerconfigjson": base64(dockerConfig) },
  };
}

describe("imgverify apply with imageRegistryCredentials.secrets", () => {
  const registry = inject("registries").basic;
  const other = inject("registries").token;
  const user = ownCredentials(registry);
  let seeded: SeededSignedImages;

  beforeAll(async () => {
    seeded = await seedSignedImages(registry, { images: 1 });
  }, 120_000);

  async function applyWith(secrets: readonly string[], documents: readonly object[]) {
    const image = seeded.images[0];
    const key = seeded.keys[0]?.publicKeyPem;
    if (image === undefined || key === undefined) throw new Error("nothing seeded");
    const policy = verifyImagesPolicy(
      "pull-secrets",
      "check",
      [`${registry.host}/*`],
      { keys: { publicKeys: key, rekor: { ignoreTlog: true } } },
      { imageRegistryCredentials: { secrets } },
    );
    const policyFile = write(
      "policy.yaml",
      [policy, ...documents].map((d) => JSON.stringify(d)).join("\n---\n"),
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

  const config = (host: string) => {
    if (user === null) throw new Error("the basic registry has no test user");
    return dockerConfigText(host, user);
  };

  it("admits the signed image with the pull secret in imgverify's namespace", async () => {
    const { code, stdout, stderr } = await applyWith(
      ["regcred"],
      [pullSecret("imgverify", "regcred", config(registry.host))],
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("Pod/shop/web: allowed");
  });

  it("reads namespace/name, and the older .dockercfg form", async () => {
    const auths = JSON.parse(config(registry.host)).auths;
    const legacy = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "old", namespace: "team" },
      type: "kubernetes.io/dockercfg",
      data: { ".dockercfg": base64(JSON.stringify(auths)) },
    };
    const { code, stdout } = await applyWith(["team/old"], [legacy]);
    expect(stdout).toContain("Pod/shop/web: allowed");
    expect(code).toBe(0);
  });

  it("denies it, naming the Secret, when the Secret is not given", async () => {
    const { code, stdout } = await applyWith(["regcred"], []);
    expect(code).toBe(1);
    expect(stdout).toContain("Secret imgverify/regcred was not found");
  });

  it("denies it when the Secret names only another registry: its credentials stay there", async () => {
    const { code, stdout } = await applyWith(
      ["regcred"],
      [pullSecret("imgverify", "regcred", config(other.host))],
    );
    expect(code).toBe(1);
    expect(stdout).toContain(`${registry.host} asks for a username and password`);
  });

  it("denies it when the Secret holds no Docker config, without echoing its value", async () => {
    const opaque = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "regcred", namespace: "imgverify" },
      data: { ".dockerconfigjson": base64('{"auths": hunter2') },
    };
    const { code, stdout } = await applyWith(["regcred"], [opaque]);
    expect(code).toBe(1);
    expect(stdout).toContain("Secret imgverify/regcred: Docker config is not JSON");
    expect(stdout).not.toContain("hunter2");
  });
});
