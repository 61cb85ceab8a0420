import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli } from "../../../src/cli/main.ts";
import { ImgverifyError } from "../../../src/errors.ts";
import { checkPolicies } from "../../../src/policy/index.ts";
import { KEYED_ENTRY, policyWith } from "../policy/helpers.ts";
import { fakeIo } from "./fake-io.ts";

const GOOD = policyWith(KEYED_ENTRY, { spec: "validationFailureAction: Enforce" });
const KMS_FIELD = "spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.kms";
const REFUSED = policyWith(
  "imageReferences: ['*']\nattestors:\n- entries:\n  - keys:\n      kms: awskms:///k",
).replace("name: p\n", "name: kms\n");
// The same policy as JSON, under another name, as `kubectl get -o json` would give it.
const GOOD_JSON = JSON.stringify({ ...parse(GOOD), metadata: { name: "from-json" } });

describe("imgverify check-policy", () => {
  it("prints each loaded policy's rules and exits 0", async () => {
    const io = fakeIo({ "policy.yaml": GOOD });
    expect(await runCli(["check-policy", "policy.yaml"], io)).toBe(0);
    const lines = io.out.split("\n");
    expect(lines[0]).toBe("OK ClusterPolicy/p (policy.yaml#0): Enforce, failurePolicy Fail");
    expect(lines[1]).toBe("  rule r: Enforce on Pod; images ghcr.io/org/*; 1 attestor set(s)");
    expect(lines.at(-2)).toBe("1 loaded, 0 refused, 0 issue(s)");
    expect(io.err).toBe("");
  });

  it("warns, without refusing, about identity regexps that match anywhere in the value", async () => {
    const keyless = (subject: string, issuer: string) =>
      policyWith(
        `imageReferences: ['*']\nattestors:\n- entries:\n  - keyless:\n      subjectRegExp: '${subject}'\n      issuerRegExp: '${issuer}'\n      rekor: {url: https://rekor.sigstore.dev}`,
      );
    const files = {
      "loose.yaml": keyless("https://github\\.com/acme/.*", "token.actions.githubusercontent.com"),
      "tight.yaml": keyless(
        "^https://github\\.com/acme/.*$",
        "^https://token\\.actions\\.githubusercontent\\.com$",
      ),
    };
    const io = fakeIo(files);
    expect(await runCli(["check-policy", "loose.yaml", "tight.yaml"], io)).toBe(0);
    const warnings = io.out.split("\n").filter((line) => line.includes("WARNING"));
    const field = "spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless";
    expect(warnings).toEqual([
      `  WARNING ${field}.subjectRegExp: subjectRegExp "https://github\\\\.com/acme/.*" is not anchored: it matches anywhere in the certificate's value, as in Kyverno; write ^…$ unless a partial match is meant`,
      `  WARNING ${field}.issuerRegExp: issuerRegExp "token.actions.githubusercontent.com" is not anchored: it matches anywhere in the certificate's value, as in Kyverno; write ^…$ unless a partial match is meant`,
    ]);
    const json = fakeIo(files);
    await runCli(["--json", "check-policy", "loose.yaml", "tight.yaml"], json);
    const { policies } = JSON.parse(json.out);
    expect(policies.map((p: { warnings: unknown[] }) => p.warnings.length)).toEqual([2, 0]);
  });

  it("walks a directory for .yaml, .yml and .json files and names every refused field with its file", async () => {
    const io = fakeIo({
      "policies/a/good.yaml": GOOD,
      "policies/b/kms.yml": REFUSED,
      "policies/c/good.json": GOOD_JSON,
      "policies/README.md": "# not a policy",
      "elsewhere/other.yaml": "key: [unclosed",
    });
    expect(await runCli(["check-policy", "policies"], io)).toBe(2);
    expect(io.out).toContain("OK ClusterPolicy/p (policies/a/good.yaml#0)");
    expect(io.out).toContain("OK ClusterPolicy/from-json (policies/c/good.json#0)");
    expect(io.out).toContain("REFUSED ClusterPolicy/kms (policies/b/kms.yml#0)");
    expect(io.out).toContain(`  ${KMS_FIELD}: awskms:// key references need a cloud KMS (awskms)`);
    expect(io.out).not.toContain("elsewhere");
    expect(io.out.trimEnd().split("\n").at(-1)).toBe("2 loaded, 1 refused, 1 issue(s)");
  });

  it("prints the check result object with --json", async () => {
    const files = { "good.yaml": GOOD, "kms.yaml": REFUSED };
    const io = fakeIo(files);
    expect(await runCli(["--json", "check-policy", "good.yaml", "kms.yaml"], io)).toBe(2);
    const printed = JSON.parse(io.out);
    expect(printed).toEqual(
      JSON.parse(
        JSON.stringify(
          checkPolicies(Object.entries(files).map(([path, text]) => ({ path, text }))),
        ),
      ),
    );
    expect(
      printed.policies.map((p: { name: string; status: string }) => [p.name, p.status]),
    ).toEqual([
      ["p", "loaded"],
      ["kms", "refused"],
    ]);
    expect(printed.issues).toEqual([
      expect.objectContaining({ file: "kms.yaml", code: "UNSUPPORTED_FEATURE", path: KMS_FIELD }),
    ]);
  });

  it("exits 2 on a file that is not valid YAML", async () => {
    const io = fakeIo({ "broken.yaml": "key: [unclosed" });
    expect(await runCli(["check-policy", "broken.yaml"], io)).toBe(2);
    expect(io.out).toMatch(/^YAML broken\.yaml#0 ?: Flow sequence .* \[YAML_INVALID\]$/m);
  });

  it("reads a file named twice, by itself and through its directory, once", async () => {
    const io = fakeIo({ "dir/good.yaml": GOOD });
    expect(await runCli(["check-policy", "dir/good.yaml", "dir"], io)).toBe(0);
    expect(io.out).toContain("1 loaded, 0 refused, 0 issue(s)");
  });

  it("exits 2 naming a file that cannot be read", async () => {
    const io = fakeIo({});
    expect(await runCli(["check-policy", "missing.yaml"], io)).toBe(2);
    expect(io.err).toBe('imgverify: cannot read file "missing.yaml": no such file\n');
    expect(io.out).toBe("");
  });

  it("exits 2 when reading fails part way", async () => {
    const io = fakeIo(
      { "good.yaml": GOOD },
      {
        async *readChunks(path) {
          throw new ImgverifyError(
            "CLI_FILE_UNREADABLE",
            `cannot read file "${path}": permission denied`,
          );
        },
      },
    );
    expect(await runCli(["--json", "check-policy", "good.yaml"], io)).toBe(2);
    expect(JSON.parse(io.out).error).toEqual({
      code: "CLI_FILE_UNREADABLE",
      message: 'cannot read file "good.yaml": permission denied',
    });
  });

  it("refuses files that are too large or not UTF-8", async () => {
    const big = fakeIo({ "big.yaml": "#".repeat(4 * 1024 * 1024 + 1) });
    expect(await runCli(["--json", "check-policy", "big.yaml"], big)).toBe(2);
    expect(JSON.parse(big.out).error.code).toBe("CLI_FILE_TOO_LARGE");
    const binary = fakeIo({ "bin.yaml": Uint8Array.of(0x6b, 0x3a, 0x20, 0xff, 0xfe) });
    expect(await runCli(["check-policy", "bin.yaml"], binary)).toBe(2);
    expect(binary.err).toBe('imgverify: cannot read file "bin.yaml": not UTF-8 text\n');
  });

  it("is a usage error without arguments, or with a directory holding no policy files", async () => {
    const none = fakeIo({});
    expect(await runCli(["check-policy"], none)).toBe(2);
    expect(none.err).toContain("check-policy needs at least one FILE or DIR");
    const empty = fakeIo({ "docs/README.md": "# no policies" });
    expect(await runCli(["check-policy", "docs"], empty)).toBe(2);
    expect(empty.err).toBe(
      "imgverify: directory \"docs\" holds no .yaml, .yml, .json files (see 'imgverify check-policy --help')\n",
    );
  });

  it("is listed in the help and documents its output and exit codes", async () => {
    const main = fakeIo();
    expect(await runCli(["--help"], main)).toBe(0);
    expect(main.out).toMatch(/^ {2}check-policy +Load and validate Kyverno verifyImages policies/m);
    const own = fakeIo();
    expect(await runCli(["check-policy", "--help"], own)).toBe(0);
    expect(own.out).toContain("Usage: imgverify check-policy FILE|DIR...");
    expect(own.out).toContain("Exit 0 when every policy loads; 2 when any document is refused");
  });
});
