/** The `bun build --compile` executable (npm run build:exe) against the real test registry. */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { compile, EXE_PATH } from "../../../scripts/compile.ts";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { startServer } from "../../support/cli.ts";
import { podReviewBody } from "../../support/pod-review.ts";
import { seedSignedImages } from "../../support/seed-signed.ts";
import { EMPTY_ROOT, policyDoc } from "../../unit/engine/core/world.ts";

const EXE = fileURLToPath(new URL(`../../../${EXE_PATH}`, import.meta.url));
const dir = makeTempDir("exe");
afterAll(() => removeTempDir(dir));

const podReview = (uid: string, image: string): string => podReviewBody(uid, image, "exe");

describe("compiled executable", () => {
  const registry = inject("registries").anonymous;
  const unsigned = inject("seededImages").anonymous.ociImage;
  beforeAll(() => {
    const ms = compile();
    console.log(`build:exe took ${ms} ms`);
  }, 120_000);

  it("prints its version", () => {
    const out = spawnSync(EXE, ["--version"], { encoding: "utf8" });
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^imgverify \d+\.\d+\.\d+/);
  });

  it("serves: WASM SHA-256, signed allowed, unsigned denied", async () => {
    const seeded = await seedSignedImages(registry, { images: 1, repository: "exe/signed" });
    const key = seeded.keys[0]?.publicKeyPem ?? "";
    const image = seeded.images[0];
    const attestor = { entries: [{ keys: { publicKeys: key, rekor: { ignoreTlog: true } } }] };
    writeFileSync(join(dir, "root.json"), JSON.stringify(EMPTY_ROOT));
    const policies = join(dir, "policies");
    spawnSync("mkdir", ["-p", policies]);
    writeFileSync(
      join(policies, "signed.json"),
      JSON.stringify(
        policyDoc({
          name: "signed-images",
          entries: [{ imageReferences: [`${registry.host}/*`], attestors: [attestor] }],
        }),
      ),
    );
    const token = randomBytes(24).toString("hex");
    const args = ["serve", "--port", "0", "--policy", policies, "--insecure-registry"];
    const server = startServer(
      EXE,
      [...args, registry.host, "--trusted-root", join(dir, "root.json"), "--log-level", "error"],
      { DOCKER_CONFIG: join(dir, "none"), IMGVERIFY_AUTH_TOKEN: token },
      dir,
    );
    try {
      const url = await server.url;
      const ready = await (await fetch(`${url}/readyz`)).json();
      expect(ready).toMatchObject({ status: "ready", sha256: "wasm" });
      const admit = async (uid: string, ref: string) => {
        const res = await fetch(`${url}/validate`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: podReview(uid, ref),
        });
        return (await res.json()).response;
      };
      const signedRef = `${image?.reference.split("@")[0]}@${image?.digest}`;
      expect((await admit("s", signedRef)).allowed, server.stderr()).toBe(true);
      expect((await admit("u", `${unsigned.reference}@${unsigned.digest}`)).allowed).toBe(false);
    } finally {
      await server.guarded.stop();
    }
  }, 90_000);
});
