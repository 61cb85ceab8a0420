import { describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.ts";
import { ImgverifyError } from "../../../src/errors.ts";
import { conformanceArtifactDigest } from "../engine/fixtures.ts";
import { CONFORMANCE, corpusBytes, verifierTestsRun } from "../verify/bundle/corpora.ts";
import { fakeIo } from "./fake-io.ts";

const IDENTITY =
  "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER = "https://token.actions.githubusercontent.com";

/** The conformance files under short names, as the in-memory file system serves them. */
function caseFiles(name: string): Record<string, Uint8Array> {
  return {
    "bundle.json": corpusBytes(`${CONFORMANCE}/${name}/bundle.sigstore.json`),
    "a.txt": corpusBytes(`${CONFORMANCE}/a.txt`),
    "key.pub": corpusBytes(`${CONFORMANCE}/managed-key-happy-path/key.pub`),
  };
}

/** Like the real CLI, a missing file fails with CLI_FILE_UNREADABLE. */
function filesIo(files: Record<string, Uint8Array>) {
  const io = fakeIo(files);
  const readChunks = io.readChunks;
  io.readChunks = (path) => {
    if (files[path] !== undefined) return readChunks(path);
    throw new ImgverifyError("CLI_FILE_UNREADABLE", `cannot read file "${path}": no such file`);
  };
  return io;
}

const identityFlags = ["--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER];

describe.runIf(verifierTestsRun)("imgverify verify-bundle", () => {
  it("verifies a bundle over a file against the built-in production root", async () => {
    const io = fakeIo(caseFiles("happy-path-v0.3"));
    const code = await runCli(
      ["verify-bundle", "--bundle", "bundle.json", ...identityFlags, "a.txt"],
      io,
    );
    expect({ code, err: io.err }).toEqual({ code: 0, err: "" });
    expect(io.out).toMatch(
      /^Verified OK\nsigner: https:\/\/github\.com\/sigstore-conformance\/.* \(issuer https:\/\/token\.actions\.githubusercontent\.com\)\nsigned at: 2024-03-19T/,
    );
  });

  it("takes the artifact's sha256 digest instead of the file, and prints JSON", async () => {
    const io = fakeIo(caseFiles("managed-key-happy-path"));
    const args = ["verify-bundle", "--json", "--bundle", "bundle.json", "--key", "key.pub"];
    const code = await runCli([...args, conformanceArtifactDigest()], io);
    expect(code).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({
      verified: true,
      mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
      signer: { kind: "key" },
    });
  });

  it("exits 1 with the reason when the bundle does not verify", async () => {
    const io = fakeIo(caseFiles("happy-path-v0.3"));
    const flags = [
      "--certificate-identity",
      "someone@example.com",
      "--certificate-oidc-issuer",
      ISSUER,
    ];
    const code = await runCli(
      ["verify-bundle", "--json", "--bundle", "bundle.json", ...flags, "a.txt"],
      io,
    );
    expect(code).toBe(1);
    expect(JSON.parse(io.out)).toMatchObject({
      verified: false,
      error: { code: "IDENTITY_MISMATCH" },
    });
  });

  it.each([
    ["no --bundle", [...identityFlags, "a.txt"], "CLI_USAGE"],
    ["two inputs", ["--bundle", "bundle.json", ...identityFlags, "a.txt", "a.txt"], "CLI_USAGE"],
    [
      "a key and an identity",
      ["--bundle", "bundle.json", "--key", "key.pub", ...identityFlags, "a.txt"],
      "POLICY_INVALID",
    ],
    [
      "an unreadable bundle file",
      ["--bundle", "missing.json", ...identityFlags, "a.txt"],
      "CLI_FILE_UNREADABLE",
    ],
  ])("exits 2 on %s", async (_, args, code) => {
    const io = filesIo(caseFiles("happy-path-v0.3"));
    expect(await runCli(["verify-bundle", "--json", ...args], io)).toBe(2);
    expect(JSON.parse(io.out)).toMatchObject({ error: { code } });
  });
});
