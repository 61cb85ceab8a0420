import { beforeAll, describe, expect, it } from "vitest";
import { type TrustPolicy, verifyImage } from "../../../src/engine/checks/index.ts";
import { isOciError, parseReference } from "../../../src/oci/index.ts";
import {
  COSIGN_ATTESTATION_TYPE,
  COSIGN_IDENTITY,
  COSIGN_SUBJECT,
  cosignBundle,
  cosignTrust,
  keylessPolicy,
  pushCosignSubject,
  pushFallbackIndex,
  pushReferrer,
  setup,
  verifierTestsRun,
} from "./fixtures.ts";

const ref = parseReference("registry.example.test/app:v1");
const SLSA = "https://slsa.dev/provenance/v1";

describe.runIf(verifierTestsRun)("verifyImage", () => {
  let policy: TrustPolicy;
  beforeAll(() => {
    policy = keylessPolicy(COSIGN_IDENTITY, cosignTrust());
  });

  function signedImage() {
    const s = setup();
    pushCosignSubject(s.registry);
    pushFallbackIndex(s.registry, COSIGN_SUBJECT, [
      pushReferrer(s.registry, COSIGN_SUBJECT, cosignBundle()),
    ]);
    return s;
  }

  it("resolves the tag and verifies the attestation asked for", async () => {
    const { ctx, net } = signedImage();
    const verdict = await verifyImage(ctx, ref, {
      policy,
      signature: false,
      attestations: [COSIGN_ATTESTATION_TYPE],
    });
    expect(verdict).toMatchObject({
      verified: true,
      image: "registry.example.test/app:v1",
      digest: COSIGN_SUBJECT,
      signatures: [],
      attestations: [
        { predicateType: COSIGN_ATTESTATION_TYPE, signer: { kind: "keyless", ...COSIGN_IDENTITY } },
      ],
    });
    expect(verdict.error).toBeUndefined();
    expect(net.requests("/manifests/v1").map((r) => r.method)).toEqual(["HEAD"]);
  });

  it("is not verified when one requirement fails, and says which", async () => {
    const { ctx } = signedImage();
    const verdict = await verifyImage(ctx, ref, {
      policy,
      signature: true,
      attestations: [COSIGN_ATTESTATION_TYPE, SLSA],
    });
    expect(verdict.verified).toBe(false);
    expect(verdict.attestations).toHaveLength(1);
    expect(verdict.error).toMatchObject({ code: "NO_SIGNATURES" });
    const onlySlsa = await verifyImage(ctx, ref, {
      policy,
      signature: false,
      attestations: [SLSA],
    });
    expect(onlySlsa.error).toMatchObject({
      code: "NO_ATTESTATIONS",
      message: expect.stringContaining(SLSA),
    });
  });

  it("answers not verified for an image that does not exist", async () => {
    const { ctx } = setup();
    const verdict = await verifyImage(ctx, ref, { policy, signature: true, attestations: [] });
    expect(verdict).toMatchObject({ verified: false, error: { code: "NOT_FOUND" } });
    expect(verdict.digest).toBeUndefined();
  });

  it("throws when the registry cannot be asked and nothing said no", async () => {
    const { ctx, net, registry } = signedImage();
    const handle = registry.handle.bind(registry);
    net.route("https://registry.example.test", (req) =>
      new URL(req.url).pathname.includes("/blobs/")
        ? new Response("", { status: 500 })
        : handle(req),
    );
    const err = await verifyImage(ctx, ref, {
      policy,
      signature: false,
      attestations: [COSIGN_ATTESTATION_TYPE],
    }).catch((e: unknown) => e);
    expect(isOciError(err, "REGISTRY_ERROR")).toBe(true);
  });

  it("refuses a request that asks for nothing", async () => {
    const { ctx } = signedImage();
    const request = { policy, signature: false, attestations: [] };
    await expect(verifyImage(ctx, ref, request)).rejects.toMatchObject({ code: "POLICY_INVALID" });
  });

  it("throws an unusable policy rather than answering", async () => {
    const { ctx } = signedImage();
    const bad = keylessPolicy(
      { subjectRegExp: "(", issuer: COSIGN_IDENTITY.issuer },
      cosignTrust(),
    );
    const err = await verifyImage(ctx, ref, {
      policy: bad,
      signature: false,
      attestations: [COSIGN_ATTESTATION_TYPE],
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "POLICY_INVALID" });
  });
});
