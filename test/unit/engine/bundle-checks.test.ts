import { beforeAll, describe, expect, it } from "vitest";
import {
  checkAttestations,
  checkSignatures,
  type ImageTarget,
  NotVerifiedError,
  type TrustPolicy,
} from "../../../src/engine/checks/index.ts";
import { isImgverifyError } from "../../../src/errors.ts";
import { isOciError } from "../../../src/oci/index.ts";
import {
  bundleKey,
  COSIGN_ATTESTATION_TYPE,
  COSIGN_IDENTITY,
  COSIGN_SUBJECT,
  conformanceArtifactDigest,
  cosignBundle,
  cosignTrust,
  EMPTY_TYPE,
  keyBundle,
  keyIdOf,
  keylessBundle,
  keylessPolicy,
  keyPolicy,
  otherKey,
  pushFallbackIndex,
  pushReferrer,
  REPO,
  setup,
  targetOf,
  verifierTestsRun,
} from "./fixtures.ts";

/** The error `promise` rejects with; a fulfilment fails the test. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (err: unknown) => err,
  );
}

describe.runIf(verifierTestsRun)("Sigstore bundles stored as referrers", () => {
  // Corpora are read when the tests run, not when they are collected (a skipped suite reads nothing).
  let digest: string;
  let target: ImageTarget;
  beforeAll(() => {
    digest = conformanceArtifactDigest();
    target = targetOf(digest);
  });

  it.each([
    ["the sha256-<hex> fallback tag", false],
    ["the referrers API", true],
  ])("verifies a keyless message-signature bundle found through %s", async (_, api) => {
    const { registry, ctx } = setup({ referrersApi: api });
    const entry = pushReferrer(registry, digest, keylessBundle());
    if (!api) pushFallbackIndex(registry, digest, [entry]);
    const [signature, ...more] = await checkSignatures(ctx, target, keylessPolicy());
    expect(more).toEqual([]);
    expect(signature).toEqual({
      format: "bundle",
      source: `registry.example.test/${REPO}@${entry.digest}`,
      signer: {
        kind: "keyless",
        ...(keylessPolicy().signer.kind === "keyless" && {}),
        subject: expect.stringContaining("sigstore-conformance"),
        issuer: "https://token.actions.githubusercontent.com",
      },
      signedAt: expect.stringMatching(/^20\d\d-/),
    });
  });

  it.each([
    ["no artifact type", undefined],
    ["the empty media type", EMPTY_TYPE],
  ])("reads the manifest of an index entry with %s", async (_, entryType) => {
    const { registry, ctx, net } = setup();
    const entry = pushReferrer(registry, digest, keylessBundle());
    const unrelated = pushReferrer(registry, digest, "{}", {
      artifactType: EMPTY_TYPE,
      layerType: "text/plain",
    });
    const { artifactType: _drop, ...bare } = entry;
    pushFallbackIndex(registry, digest, [
      { ...bare, ...(entryType && { artifactType: entryType }) },
      { ...unrelated, artifactType: "application/spdx+json" },
    ]);
    const signatures = await checkSignatures(ctx, target, keylessPolicy());
    expect(signatures.map((s) => s.source)).toEqual([
      `registry.example.test/${REPO}@${entry.digest}`,
    ]);
    // The SBOM-typed entry is passed over without a fetch.
    expect(net.requests(unrelated.digest)).toEqual([]);
  });

  it("says IDENTITY_MISMATCH when the only bundle is signed by someone else", async () => {
    const { registry, ctx } = setup();
    pushFallbackIndex(registry, digest, [pushReferrer(registry, digest, keylessBundle())]);
    const policy = keylessPolicy({
      subject: "someone@example.com",
      issuer: "https://token.actions.githubusercontent.com",
    });
    const err = await rejection(checkSignatures(ctx, target, policy));
    expect(err).toBeInstanceOf(NotVerifiedError);
    expect(err).toMatchObject({ code: "IDENTITY_MISMATCH" });
    expect((err as Error).message).toMatch(
      /^the signature of registry\.example\.test\/app:v1@sha256:[0-9a-f]{64} did not verify: registry\.example\.test\/app@sha256:/,
    );
  });

  it("says NO_SIGNATURES when nothing is stored for the image", async () => {
    const { ctx } = setup();
    const err = await rejection(checkSignatures(ctx, target, keylessPolicy()));
    expect(err).toMatchObject({ code: "NO_SIGNATURES" });
    expect((err as Error).message).toContain("looked for: cosign, Sigstore bundle");
  });

  it("verifies a key-signed bundle with whichever policy key signed it", async () => {
    const { registry, ctx } = setup();
    pushFallbackIndex(registry, digest, [pushReferrer(registry, digest, keyBundle())]);
    const [signature] = await checkSignatures(ctx, target, keyPolicy([otherKey(), bundleKey()]));
    expect(signature?.signer).toEqual({ kind: "key", keyId: keyIdOf(bundleKey()) });
  });

  it("fails a key-signed bundle under another key", async () => {
    const { registry, ctx } = setup();
    pushFallbackIndex(registry, digest, [pushReferrer(registry, digest, keyBundle())]);
    const err = await rejection(checkSignatures(ctx, target, keyPolicy([otherKey()])));
    expect(err).toBeInstanceOf(NotVerifiedError);
    expect(isImgverifyError(err, "SIGNATURE_INVALID")).toBe(true);
  });

  it("rejects a policy key that is not a PEM public key before looking at signatures", async () => {
    const { registry, ctx } = setup();
    pushFallbackIndex(registry, digest, [pushReferrer(registry, digest, keyBundle())]);
    const err = await rejection(checkSignatures(ctx, target, keyPolicy(["not a key"])));
    expect(err).toMatchObject({ code: "POLICY_INVALID" });
  });

  it("fails a referrer whose subject is another image", async () => {
    const { registry, ctx } = setup();
    const other = `sha256:${"1".repeat(64)}`;
    const entry = pushReferrer(registry, digest, keylessBundle(), { subjectDigest: other });
    pushFallbackIndex(registry, digest, [entry]);
    const err = await rejection(checkSignatures(ctx, target, keylessPolicy()));
    expect(err).toMatchObject({ code: "ARTIFACT_INVALID" });
    expect((err as Error).message).toContain(`the referrer's subject is ${other}`);
  });

  it("examines no more referrers than the limit", async () => {
    const { registry, ctx } = setup({}, { limits: { maxArtifacts: 1 } });
    const entries = [
      pushReferrer(registry, digest, keylessBundle()),
      pushReferrer(registry, digest, keyBundle()),
    ];
    pushFallbackIndex(registry, digest, entries);
    const err = await rejection(checkSignatures(ctx, target, keylessPolicy()));
    expect(err).toMatchObject({ code: "TOO_MANY_ARTIFACTS" });
  });

  it("lets one verified bundle outweigh a referrer the registry fails to serve", async () => {
    const { registry, ctx, net } = setup();
    const good = pushReferrer(registry, digest, keylessBundle());
    const broken = pushReferrer(registry, digest, keyBundle());
    pushFallbackIndex(registry, digest, [good, broken]);
    const handle = registry.handle.bind(registry);
    net.route("https://registry.example.test", (req) =>
      req.url.endsWith(broken.digest) ? new Response("down", { status: 500 }) : handle(req),
    );
    expect(await checkSignatures(ctx, target, keylessPolicy())).toHaveLength(1);
    const { ctx: alone, registry: second, net: secondNet } = setup();
    const lonely = pushReferrer(second, digest, keyBundle());
    pushFallbackIndex(second, digest, [lonely]);
    const secondHandle = second.handle.bind(second);
    secondNet.route("https://registry.example.test", (req) =>
      req.url.endsWith(lonely.digest) ? new Response("down", { status: 500 }) : secondHandle(req),
    );
    // Nothing verified and the registry could not be asked: no answer, not a "no".
    const err = await rejection(checkSignatures(alone, target, keyPolicy([bundleKey()])));
    expect(isOciError(err, "REGISTRY_ERROR")).toBe(true);
  });
});

describe.runIf(verifierTestsRun)("cosign's DSSE attestation bundle", () => {
  const target = targetOf(COSIGN_SUBJECT);
  let policy: TrustPolicy;
  beforeAll(() => {
    policy = keylessPolicy(COSIGN_IDENTITY, cosignTrust());
  });

  it("verifies as an attestation of its predicate type, with the statement", async () => {
    const { registry, ctx } = setup({ referrersApi: true });
    pushReferrer(registry, COSIGN_SUBJECT, cosignBundle());
    const [attestation] = await checkAttestations(ctx, target, policy, COSIGN_ATTESTATION_TYPE);
    expect(attestation).toMatchObject({
      format: "bundle",
      predicateType: COSIGN_ATTESTATION_TYPE,
      signer: { kind: "keyless", ...COSIGN_IDENTITY },
      statement: {
        predicateType: COSIGN_ATTESTATION_TYPE,
        subject: [{ digest: { sha256: COSIGN_SUBJECT.slice(7) } }],
      },
    });
  });

  it("is neither a signature nor an attestation of another type", async () => {
    const { registry, ctx } = setup({ referrersApi: true });
    pushReferrer(registry, COSIGN_SUBJECT, cosignBundle());
    expect(await rejection(checkSignatures(ctx, target, policy))).toMatchObject({
      code: "NO_SIGNATURES",
    });
    const other = "https://slsa.dev/provenance/v1";
    expect(await rejection(checkAttestations(ctx, target, policy, other))).toMatchObject({
      code: "NO_ATTESTATIONS",
    });
  });

  it("does not fetch a bundle whose predicate-type annotation names another type", async () => {
    const { registry, ctx, net } = setup({ referrersApi: true });
    const annotations = { "dev.sigstore.bundle.predicateType": COSIGN_ATTESTATION_TYPE };
    pushReferrer(registry, COSIGN_SUBJECT, cosignBundle(), { annotations });
    const err = await rejection(
      checkAttestations(ctx, target, policy, "https://slsa.dev/provenance/v1"),
    );
    expect(err).toMatchObject({ code: "NO_ATTESTATIONS" });
    expect(net.requests("/blobs/")).toEqual([]);
  });

  it("fails for a different subject image", async () => {
    const { registry, ctx } = setup({ referrersApi: true });
    const other = conformanceArtifactDigest();
    pushReferrer(registry, other, cosignBundle());
    const err = await rejection(
      checkAttestations(ctx, targetOf(other), policy, COSIGN_ATTESTATION_TYPE),
    );
    expect(err).toMatchObject({ code: "SUBJECT_MISMATCH" });
  });

  it("shares one referrers listing between concurrent checks through the store", async () => {
    const { registry, ctx, net } = setup();
    const entry = pushReferrer(registry, COSIGN_SUBJECT, cosignBundle());
    pushFallbackIndex(registry, COSIGN_SUBJECT, [entry]);
    await Promise.all([
      checkAttestations(ctx, target, policy, COSIGN_ATTESTATION_TYPE),
      checkAttestations(ctx, target, policy, COSIGN_ATTESTATION_TYPE),
      rejection(checkSignatures(ctx, target, policy)),
    ]);
    const paths = net.log.map((r) => `${r.method} ${r.url.pathname}`);
    expect(paths.length).toBe(new Set(paths).size);
    expect(net.requests("/blobs/")).toHaveLength(1);
  });
});
