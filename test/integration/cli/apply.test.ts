/**
 * `imgverify apply` as people run it (a Node child process) against the
 * harness registry: images signed with cosign keys, a ClusterPolicy naming
 * the key, and an image nobody signed.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { type CliResult, runImgverify } from "../../support/cli.ts";
import { podOf, verifyImagesPolicy } from "../../support/kyverno-resources.ts";
import { type SeededSignedImages, seedSignedImages } from "../../support/seed-signed.ts";
import { EMPTY_ROOT } from "../../unit/engine/core/world.ts";

const RUN_TIMEOUT_MS = 60_000;
const dir = makeTempDir("cli-apply");
afterAll(() => removeTempDir(dir));

function write(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

describe("imgverify apply", () => {
  const registry = inject("registries").anonymous;
  const unsigned = inject("seededImages").anonymous.ociImage;
  let seeded: SeededSignedImages;
  let base: string[];

  beforeAll(async () => {
    seeded = await seedSignedImages(registry, { images: 1 });
    const key = seeded.keys[0]?.publicKeyPem ?? "";
    const policy = write(
      "policy.yaml",
      verifyImagesPolicy("signed-images", "check-signature", [`${registry.host}/*`], {
        keys: { publicKeys: key, rekor: { ignoreTlog: true } },
      }),
    );
    base = [
      "apply",
      "--insecure-registry",
      registry.host,
      "--trusted-root",
      write("root.json", EMPTY_ROOT),
      "--policy",
      policy,
    ];
  }, 120_000);

  const apply = (...args: string[]): Promise<CliResult> =>
    runImgverify([...base, ...args], {
      dockerConfigDir: join(dir, "no-docker-config"),
      timeoutMs: RUN_TIMEOUT_MS,
    });

  it("admits the signed image (exit 0) and pins its digest", async () => {
    const image = seeded.images[0];
    if (image === undefined) throw new Error("nothing seeded");
    const { code, stdout, stderr } = await apply(
      "--resource",
      write("signed.json", podOf("web", image.reference)),
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("Pod/shop/web: allowed");
    expect(stdout).toContain(`  pass signed-images/check-signature ${image.reference}`);
    const pinned = image.reference.includes("@")
      ? image.reference
      : `${image.reference}@${image.digest}`;
    expect(stdout).toContain(`patch replace /spec/containers/0/image ${JSON.stringify(pinned)}`);
  });

  it("denies the unsigned image (exit 1) with Kyverno's message, and prints --json per resource", async () => {
    const image = seeded.images[0];
    if (image === undefined) throw new Error("nothing seeded");
    const both = write(
      "both.yaml",
      `${JSON.stringify(podOf("web", image.reference))}\n---\n${JSON.stringify(podOf("bad", unsigned.reference))}\n`,
    );
    const { code, stdout } = await apply("--resource", both, "--json");
    expect(code).toBe(1);
    const [signed, denied, ...rest] = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(rest).toEqual([]);
    expect(signed).toMatchObject({ allowed: true, warnings: [] });
    expect(signed.results).toEqual([
      {
        policy: "signed-images",
        rule: "check-signature",
        image: image.reference,
        status: "pass",
        message: expect.any(String),
      },
    ]);
    expect(signed.patch).toContainEqual({
      op: "replace",
      path: "/spec/containers/0/image",
      value: `${image.reference.split("@")[0]}@${image.digest}`,
    });
    expect(denied).toMatchObject({ allowed: false, patch: [] });
    expect(denied.results).toMatchObject([{ policy: "signed-images", status: "fail" }]);
    expect(denied.message).toContain(
      "resource Pod/shop/bad was blocked due to the following policies",
    );
    expect(denied.message).toContain(`failed to verify image ${unsigned.reference}`);
  });
});
