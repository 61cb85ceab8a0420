/**
 * `imgverify check-policy` as people run it (a Node child process of
 * bin/imgverify.js): the published Kyverno sample policies from the corpora,
 * and policy trees written here to exercise the directory walk.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../support/cleanup.ts";
import { KEYED_ENTRY, policyWith } from "../../unit/policy/helpers.ts";

const BIN = fileURLToPath(new URL("../../../bin/imgverify.js", import.meta.url));
const RUN_TIMEOUT_MS = 30_000;
const SAMPLES = join(
  resolve(process.env.IMGVERIFY_CORPORA ?? "../shared/corpora"),
  "kyverno-policies",
);
const samplesPresent = existsSync(SAMPLES);
if (!samplesPresent) {
  console.warn(
    `SKIPPING check-policy on the Kyverno samples: no ${SAMPLES} (set IMGVERIFY_CORPORA)`,
  );
}

const VI = "spec.rules[0].verifyImages[0]";
const GOOD = policyWith(KEYED_ENTRY);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function checkPolicy(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [BIN, "check-policy", ...args],
      { timeout: RUN_TIMEOUT_MS, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code: unknown; stdout: string; stderr: string };
    if (typeof code !== "number") throw err;
    return { code, stdout, stderr };
  }
}

const dir = makeTempDir("check-policy");
afterAll(() => removeTempDir(dir));

function write(path: string, text: string): string {
  const full = join(dir, path);
  mkdirSync(join(full, ".."), { recursive: true });
  writeFileSync(full, text);
  return full;
}

describe.skipIf(!samplesPresent)("imgverify check-policy on the Kyverno sample policies", () => {
  it("loads what imgverify runs and refuses the rest by field, exiting 2", async () => {
    const { code, stdout, stderr } = await checkPolicy("--json", SAMPLES);
    expect({ code, stderr }).toEqual({ code: 2, stderr: "" });
    const result = JSON.parse(stdout) as {
      policies: { file: string; status: string; issues: { path: string; code: string }[] }[];
    };
    const refused = result.policies.filter((p) => p.status === "refused");
    // The samples' one refused verifyImages policy (as test/unit/policy/corpora-walk.test.ts
    // expects) and chainsaw assertion fragments without a spec; the ImageValidatingPolicy loads.
    expect(
      Object.fromEntries(
        refused.map((p) => [relative(SAMPLES, p.file), p.issues.map((i) => `${i.code} ${i.path}`)]),
      ),
    ).toEqual({
      "flux/verify-flux-images/.chainsaw-test/policy-ready.yaml": ["FIELD_REQUIRED spec"],
      "other/verify-image-gcpkms/verify-image-gcpkms.yaml": [
        `UNSUPPORTED_FEATURE ${VI}.attestors[0].entries[0].keys.kms`,
      ],
      "other/verify-image-ivpol/.chainsaw-test/policy-ready.yaml": ["FIELD_REQUIRED spec"],
    });
    expect(result.policies.filter((p) => p.status === "loaded")).toHaveLength(11);
  });

  it("prints the refused field with its file for people", async () => {
    const { code, stdout } = await checkPolicy(join(SAMPLES, "other"));
    expect(code).toBe(2);
    const gcpkms = join(SAMPLES, "other/verify-image-gcpkms/verify-image-gcpkms.yaml");
    expect(stdout).toContain(`REFUSED ClusterPolicy/verify-image-gcpkms (${gcpkms}#0)\n`);
    expect(stdout).toContain(
      `\n  ${VI}.attestors[0].entries[0].keys.kms: gcpkms:// key references need a cloud KMS (gcpkms)`,
    );
    expect(stdout).toMatch(/^OK ClusterPolicy\/verify-image \(.*\): Enforce, failurePolicy Fail$/m);
  });
});

describe("imgverify check-policy on files written here", () => {
  it("exits 0 and prints the rules of a valid policy", async () => {
    const file = write("single/policy.yaml", GOOD);
    const { code, stdout, stderr } = await checkPolicy(file);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout.split("\n").slice(0, 2)).toEqual([
      `OK ClusterPolicy/p (${file}#0): Audit, failurePolicy Fail`,
      "  rule r: Audit on Pod; images ghcr.io/org/*; 1 attestor set(s)",
    ]);
  });

  it("walks a directory at any depth for .yaml, .yml and .json files only", async () => {
    const tree = join(dir, "tree");
    write("tree/b/policy.yml", GOOD.replace("name: p\n", "name: b\n"));
    write("tree/a/deeper/policy.yaml", GOOD.replace("name: p\n", "name: a\n"));
    write(
      "tree/c.json",
      JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keys" }, data: {} }),
    );
    write("tree/notes.txt", "key: [not read]");
    const { code, stdout } = await checkPolicy("--json", tree);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.policies.map((p: { file: string }) => relative(tree, p.file))).toEqual([
      "a/deeper/policy.yaml",
      "b/policy.yml",
    ]);
    expect(result.configMaps).toEqual(["default/keys"]);
    expect(result.issues).toEqual([]);
  });

  it("exits 2 naming a path that does not exist", async () => {
    const missing = join(dir, "absent");
    const { code, stdout, stderr } = await checkPolicy(missing);
    expect({ code, stdout }).toEqual({ code: 2, stdout: "" });
    expect(stderr).toBe(`imgverify: cannot read file "${missing}": no such file\n`);
  });

  it("exits 2 on a directory with too many policy files", async () => {
    const crowd = join(dir, "crowd");
    mkdirSync(crowd);
    for (let i = 0; i <= 1000; i++) writeFileSync(join(crowd, `p${i}.yaml`), "");
    const { code, stderr } = await checkPolicy(crowd);
    expect(code).toBe(2);
    expect(stderr).toContain(`directory "${crowd}" holds more than 1000 .yaml/.yml/.json files`);
  });

  it("exits 2 on a symbolic link loop instead of walking forever", async () => {
    const loop = join(dir, "loop");
    mkdirSync(loop);
    symlinkSync(loop, join(loop, "again"));
    const { code, stderr } = await checkPolicy(loop);
    expect(code).toBe(2);
    expect(stderr).toContain(`directory "${loop}" nests more than 32 levels deep`);
  });
});
