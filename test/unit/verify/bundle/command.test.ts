import { describe, expect, test } from "vitest";
import { isImgverifyError } from "../../../../src/errors.ts";
import {
  runVerifyBundleCommand,
  type VerifyBundleFlags,
  type VerifyBundleIo,
} from "../../../../src/verify/bundle/command.ts";
import {
  CONFORMANCE,
  CONFORMANCE_IDENTITY,
  corpusBytes,
  corpusText,
  verifierTestsRun,
} from "./corpora.ts";

const DIGEST_NAME = `sha256:${"a".repeat(64)}`;

/** Files by name; records what was read. */
function memoryIo(
  files: Record<string, Uint8Array>,
  seeds = "{}",
): VerifyBundleIo & { read: string[] } {
  const read: string[] = [];
  return {
    read,
    async readFile(path) {
      read.push(path);
      const bytes = files[path];
      if (bytes === undefined) throw new Error(`no such file: ${path}`);
      return bytes;
    },
    isFile: async (path) => path in files,
    readTufSeeds: async () => seeds,
  };
}

async function codeOf(flags: VerifyBundleFlags, io: VerifyBundleIo): Promise<string> {
  try {
    await runVerifyBundleCommand(flags, io);
    return "verified";
  } catch (err) {
    if (isImgverifyError(err)) return err.code;
    throw err;
  }
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe("verify-bundle flags", () => {
  test("a key excludes the identity flags, and one of the two is required", async () => {
    const io = memoryIo({ "k.pub": bytes("key") });
    const base = { bundle: "b.json", input: "a.txt" };
    expect(
      await codeOf(
        { ...base, key: "k.pub", certificateIdentity: "x", certificateOidcIssuer: "y" },
        io,
      ),
    ).toBe("POLICY_INVALID");
    expect(await codeOf({ ...base, certificateIdentity: "x" }, io)).toBe("POLICY_INVALID");
    expect(io.read).toEqual([]);
  });

  test("--staging without --trusted-root is refused: no staging root is built in", async () => {
    const flags = {
      bundle: "b.json",
      input: "a.txt",
      staging: true,
      certificateIdentity: "x",
      certificateOidcIssuer: "y",
    };
    expect(await codeOf(flags, memoryIo({}))).toBe("TRUST_ROOT_INVALID");
  });

  test("a trusted root that is not JSON is refused", async () => {
    const io = memoryIo({ "root.json": bytes("{"), "b.json": bytes("{}"), "a.txt": bytes("a") });
    const flags = {
      bundle: "b.json",
      input: "a.txt",
      trustedRoot: "root.json",
      certificateIdentity: "x",
      certificateOidcIssuer: "y",
    };
    expect(await codeOf(flags, io)).toBe("TRUST_ROOT_INVALID");
  });

  test("a sha256: argument is a digest unless a file has that name", async () => {
    const flags = { bundle: "b.json", input: DIGEST_NAME, key: "k.pub" };
    const withoutFile = memoryIo({ "b.json": bytes("{}"), "k.pub": bytes("key") });
    await codeOf(flags, withoutFile);
    expect(withoutFile.read).not.toContain(DIGEST_NAME);
    const withFile = memoryIo({
      "b.json": bytes("{}"),
      "k.pub": bytes("key"),
      [DIGEST_NAME]: bytes("x"),
    });
    await codeOf(flags, withFile);
    expect(withFile.read).toContain(DIGEST_NAME);
  });
});

describe.skipIf(!verifierTestsRun)("verify-bundle with the built-in production root", () => {
  test("verifies a conformance bundle with the root from @sigstore/tuf's seeds", async () => {
    const io = memoryIo(
      {
        "bundle.sigstore.json": corpusBytes(`${CONFORMANCE}/happy-path-v0.2/bundle.sigstore.json`),
        "a.txt": corpusBytes(`${CONFORMANCE}/../a.txt`),
      },
      corpusText("sigstore-js/packages/tuf/seeds.json"),
    );
    const result = await runVerifyBundleCommand(
      {
        bundle: "bundle.sigstore.json",
        input: "a.txt",
        certificateIdentity: CONFORMANCE_IDENTITY.subject,
        certificateOidcIssuer: CONFORMANCE_IDENTITY.issuer,
      },
      io,
    );
    expect(result.signer).toEqual({ kind: "certificate", ...CONFORMANCE_IDENTITY });
  });
});
