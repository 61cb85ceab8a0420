import { describe, expect, it } from "vitest";
import { runCli } from "../../../src/cli/main.ts";
import {
  COSIGN_ATTESTATION_TYPE,
  COSIGN_IDENTITY,
  COSIGN_SUBJECT,
  cosignBundle,
  pushCosignSubject,
  pushFallbackIndex,
  pushReferrer,
  setup,
} from "../engine/fixtures.ts";
import { corpusBytes, verifierTestsRun } from "../verify/bundle/corpora.ts";
import { fakeIo } from "./fake-io.ts";

const IMAGE = "registry.example.test/app:v1";
const identity = [
  "--certificate-identity",
  COSIGN_IDENTITY.subject,
  "--certificate-oidc-issuer",
  COSIGN_IDENTITY.issuer,
];
const attestation = ["--attestation-type", COSIGN_ATTESTATION_TYPE, "--trusted-root", "root.json"];

/** The CLI over the in-memory registry holding cosign's signed image. */
function signedImageIo() {
  const { registry, net } = setup();
  pushCosignSubject(registry);
  pushFallbackIndex(registry, COSIGN_SUBJECT, [
    pushReferrer(registry, COSIGN_SUBJECT, cosignBundle()),
  ]);
  const files = {
    "root.json": corpusBytes("cosign/pkg/cosign/testdata/trusted_root_pgi.json"),
    "key.pub": corpusBytes("sigstore-rs/extracted/keyed/cosign.pub"),
  };
  const io = fakeIo(files, { fetch: () => net.fetch });
  return { io, net };
}

describe.runIf(verifierTestsRun)("imgverify verify", () => {
  it("names the image, its digest, the signer and the predicate type", async () => {
    const { io } = signedImageIo();
    const code = await runCli(["verify", ...identity, ...attestation, IMAGE], io);
    expect({ code, err: io.err }).toEqual({ code: 0, err: "" });
    const lines = io.out.split("\n");
    expect(lines.slice(0, 2)).toEqual([`Verified ${IMAGE}`, `digest: ${COSIGN_SUBJECT}`]);
    expect(lines[2]).toMatch(
      new RegExp(
        `^attestation ${COSIGN_ATTESTATION_TYPE} by cody@soyland\\.com \\(issuer https://github\\.com/login/oauth\\) at 20\\d\\d-.* \\[bundle\\] registry\\.example\\.test/app@sha256:[0-9a-f]{64}$`,
      ),
    );
  });

  it("prints the verdict as JSON, without the statements", async () => {
    const { io } = signedImageIo();
    expect(await runCli(["verify", "--json", ...identity, ...attestation, IMAGE], io)).toBe(0);
    const verdict = JSON.parse(io.out);
    expect(verdict).toMatchObject({
      verified: true,
      image: IMAGE,
      digest: COSIGN_SUBJECT,
      signatures: [],
      attestations: [{ format: "bundle", predicateType: COSIGN_ATTESTATION_TYPE }],
    });
    expect(verdict.attestations[0].statement).toBeUndefined();
    expect(verdict.error).toBeUndefined();
  });

  it("exits 1 for another identity, and for a signature the image does not have", async () => {
    const other = [
      "--certificate-identity",
      "eve@example.com",
      "--certificate-oidc-issuer",
      COSIGN_IDENTITY.issuer,
    ];
    const first = signedImageIo().io;
    expect(await runCli(["verify", "--json", ...other, ...attestation, IMAGE], first)).toBe(1);
    expect(JSON.parse(first.out)).toMatchObject({
      verified: false,
      digest: COSIGN_SUBJECT,
      error: { code: "IDENTITY_MISMATCH" },
    });
    // An exact identity or issuer is the whole value, not a part of it.
    for (const partial of [
      [
        "--certificate-identity",
        "soyland.com",
        "--certificate-oidc-issuer",
        COSIGN_IDENTITY.issuer,
      ],
      [
        "--certificate-identity",
        COSIGN_IDENTITY.subject,
        "--certificate-oidc-issuer",
        "github.com",
      ],
    ]) {
      const io = signedImageIo().io;
      expect(await runCli(["verify", "--json", ...partial, ...attestation, IMAGE], io)).toBe(1);
      expect(JSON.parse(io.out).error.code).toMatch(/IDENTITY_MISMATCH|ISSUER_MISMATCH/);
    }
    // The -regexp flags match anywhere, as cosign's do.
    const loose = [
      "--certificate-identity-regexp",
      "soyland",
      "--certificate-oidc-issuer-regexp",
      "github",
    ];
    const third = signedImageIo().io;
    expect(await runCli(["verify", ...loose, ...attestation, IMAGE], third)).toBe(0);
    const second = signedImageIo().io;
    const both = [...attestation, "--signature"];
    expect(await runCli(["verify", ...identity, ...both, IMAGE], second)).toBe(1);
    expect(second.err).toMatch(
      /^imgverify: registry\.example\.test\/app:v1 \(sha256:7321.*\) is not verified: no signatures found/,
    );
  });

  it("exits 1 for an image that does not exist", async () => {
    const { io } = signedImageIo();
    expect(
      await runCli(
        ["verify", "--json", ...identity, ...attestation, "registry.example.test/app:v2"],
        io,
      ),
    ).toBe(1);
    expect(JSON.parse(io.out)).toMatchObject({ verified: false, error: { code: "NOT_FOUND" } });
  });

  it.each([
    ["no signer", [IMAGE], "CLI_USAGE"],
    ["two kinds of signer", ["--key", "key.pub", ...identity, IMAGE], "CLI_USAGE"],
    ["an identity without issuer", ["--certificate-identity", "a@b.c", IMAGE], "CLI_USAGE"],
    ["--cert-chain alone", ["--key", "key.pub", "--cert-chain", "key.pub", IMAGE], "CLI_USAGE"],
    ["an unknown --type", ["--key", "key.pub", "--type", "pgp", IMAGE], "CLI_USAGE"],
    [
      "an attestation type that is not a URI",
      ["--key", "key.pub", "--attestation-type", "slsa", IMAGE],
      "CLI_USAGE",
    ],
    [
      "--signature without --attestation-type",
      ["--key", "key.pub", "--signature", IMAGE],
      "CLI_USAGE",
    ],
    [
      "a repository with a tag",
      ["--key", "key.pub", "--signature-repository", "registry.example.test/sigs:v1", IMAGE],
      "CLI_USAGE",
    ],
    ["a key that is not one", ["--key", "root.json", IMAGE], "POLICY_INVALID"],
    [
      "a bad identity pattern",
      [
        "--certificate-identity-regexp",
        "(",
        "--certificate-oidc-issuer",
        "x",
        ...attestation,
        IMAGE,
      ],
      "POLICY_INVALID",
    ],
    [
      "a bundle check with a certificate",
      ["--cert", "key.pub", "--type", "bundle", IMAGE],
      "POLICY_INVALID",
    ],
  ])("exits 2 on %s", async (_, args, code) => {
    const { io } = signedImageIo();
    expect(await runCli(["verify", "--json", ...args], io)).toBe(2);
    expect(JSON.parse(io.out)).toMatchObject({ error: { code } });
  });

  it("exits 2 when the registry fails", async () => {
    const { io, net } = signedImageIo();
    net.route("https://registry.example.test", () => new Response("", { status: 500 }));
    expect(await runCli(["verify", "--json", ...identity, ...attestation, IMAGE], io)).toBe(2);
    expect(JSON.parse(io.out)).toMatchObject({ error: { code: "REGISTRY_ERROR" } });
  });
});
