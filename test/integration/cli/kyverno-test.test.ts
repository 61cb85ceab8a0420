/**
 * `imgverify test` over Kyverno's own CLI tests (corpora
 * kyverno/test/cli/test/images). `digest` runs as published: it needs no
 * registry. `signatures` and `verify-signature` name
 * ghcr.io/kyverno/test-verify-image and Kyverno's key, neither reachable
 * here, so they are rebuilt: the same files with the image on the harness
 * registry (signed by a key made here, `:unsigned` left unsigned) and that
 * key in the policies; the expected results are left as published.
 * `secure-images` needs a keyless signature on ghcr.io and is not run.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { runImgverify } from "../../support/cli.ts";
import { signatureLayer } from "../../support/cosign-layers.ts";
import { pushImage } from "../../support/images.ts";
import { RegistryClient as HarnessClient } from "../../support/registry-client.ts";
import {
  corporaFolder,
  type OpensslKey,
  opensslKey,
  opensslSign,
  pushCosignManifest,
} from "../verify/support.ts";

const registry = inject("registries").anonymous;
const tests = corporaFolder("kyverno/test/cli/test/images");
const dir = makeTempDir("cli-kyverno-test");
afterAll(() => removeTempDir(dir));
const KYVERNO_IMAGE = "ghcr.io/kyverno/test-verify-image";
const LOCAL_REPOSITORY = "kyverno/test-verify-image";

let key: OpensslKey;

beforeAll(async () => {
  key = await opensslKey(dir, "ecdsa-p256", "test-key");
  const harness = new HarnessClient(registry);
  const signed = await pushImage(registry, LOCAL_REPOSITORY, "signed");
  await pushImage(registry, LOCAL_REPOSITORY, "unsigned");
  const layer = await signatureLayer(
    (data) => opensslSign(dir, key, data),
    `${registry.host}/${LOCAL_REPOSITORY}`,
    signed.digest,
  );
  await pushCosignManifest(harness, LOCAL_REPOSITORY, signed.digest, "sig", [layer]);
}, 120_000);

/** Every `publicKeys` in `value` replaced by `pem`. */
function withKey(value: unknown, pem: string): unknown {
  if (Array.isArray(value)) return value.map((v) => withKey(v, pem));
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === "publicKeys" ? pem : withKey(v, pem)]),
  );
}

/** A copy of corpora test `name` over the harness registry and the local key. */
function rebuilt(name: string, edit: (test: string) => string = (t) => t): string {
  const source = join(tests as string, name);
  const target = join(dir, name);
  mkdirSync(target, { recursive: true });
  const local = (text: string) =>
    text.replaceAll(KYVERNO_IMAGE, `${registry.host}/${LOCAL_REPOSITORY}`);
  const policies = parseAllDocuments(readFileSync(join(source, "policies.yaml"), "utf8")).map(
    (doc) => JSON.stringify(withKey(doc.toJSON(), key.publicPem)),
  );
  writeFileSync(join(target, "policies.yaml"), local(policies.join("\n---\n")));
  writeFileSync(
    join(target, "resources.yaml"),
    local(readFileSync(join(source, "resources.yaml"), "utf8")),
  );
  writeFileSync(
    join(target, "kyverno-test.yaml"),
    edit(readFileSync(join(source, "kyverno-test.yaml"), "utf8")),
  );
  return target;
}

function test(...paths: string[]) {
  return runImgverify(["test", "--insecure-registry", registry.host, ...paths], {
    dockerConfigDir: join(dir, "no-docker-config"),
    timeoutMs: 60_000,
  });
}

describe.skipIf(tests === undefined)("imgverify test over Kyverno's CLI tests", () => {
  it("passes Kyverno's digest test as published", async () => {
    const { code, stdout, stderr } = await test(join(tests as string, "digest"));
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("v1/Pod/test/no-digest");
    expect(stdout).toContain("Test Summary: 2 tests passed and 0 tests failed");
  });

  it("passes the signature tests rebuilt over the local registry, pods and DataVolumes", async () => {
    const { code, stdout, stderr } = await test(rebuilt("signatures"), rebuilt("verify-signature"));
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain(
      "cdi.kubevirt.io/v1beta1/DataVolume/default/signed-registry-image-datavolume",
    );
    expect(stdout).toContain("Test Summary: 6 tests passed and 0 tests failed");
  });

  it("exits 1 on a result that does not match, saying what was wanted and got", async () => {
    const flipped = rebuilt("signatures", (t) =>
      t.replace("  - signed\n  result: pass", "  - signed\n  result: fail"),
    );
    const { code, stdout } = await test(flipped);
    expect(code).toBe(1);
    expect(stdout).toContain("Want fail, got pass");
    expect(stdout).toContain("Test Summary: 1 tests passed and 1 tests failed");
  });

  it("refuses a field it cannot honour by path, before admitting anything", async () => {
    const withValues = rebuilt("signatures", (t) => `${t}variables: values.yaml\n`);
    const { code, stderr } = await test(withValues);
    expect(code).toBe(2);
    expect(stderr).toContain("variables: variable values files are not supported");
  });
});
