/**
 * Admission verdicts where imgverify and Kyverno part or used to, held as
 * imgverify answers today; docs/KYVERNO-PARITY.md names Kyverno's source for
 * each. Where Kyverno denied and imgverify admitted, imgverify now denies.
 */
import { describe, expect, it } from "vitest";
import { decodeAdmissionReview } from "../../../../src/admission/index.ts";
import {
  admission,
  evaluate,
  freshKey,
  HOST,
  image,
  keyEntry,
  policies,
  pushSigned,
  REFS,
  reviewJson,
  SLSA,
  world,
} from "../../engine/core/world.ts";

type Key = Awaited<ReturnType<typeof freshKey>>;
const signedBy = (...keys: Key[]) => ({
  imageReferences: REFS,
  attestors: [{ entries: keys.map(keyEntry) }],
});
const pod = (ref = image("app")) => admission([{ name: "c", image: ref }]);
const UNREACHABLE = "unreachable.example.test";

describe("parity: failure actions and failure policies", () => {
  // Kyverno resolves one action per rule (engineresponse.go ruleAction: Enforce if any entry enforces).
  it("denies a failing Audit entry of a rule whose other entry enforces, as the rule does", async () => {
    const w = world();
    const [signer, other] = [await freshKey(), await freshKey()];
    await pushSigned(w.registry, "app", "v1", [signer]);
    const audit = { ...signedBy(other), failureAction: "Audit", verifyDigest: false };
    const enforce = {
      imageReferences: ["quay.io/*"],
      attestors: [{ entries: [keyEntry(other)] }],
      failureAction: "Enforce",
    };
    const loaded = policies({ rules: [{ name: "r", entries: [audit, enforce] }] });
    expect(loaded[0]?.rules[0]?.failureAction).toBe("Enforce");
    const result = await evaluate(w, pod(), loaded);
    expect(result.results).toMatchObject([{ rule: "r", status: "fail", failureAction: "Enforce" }]);
    expect(result.allowed).toBe(false);
  });

  // Kyverno: pkg/utils/engine/response.go BlockRequest blocks on IsError() && failurePolicy Fail, whatever the action.
  it("denies on an Audit policy's registry error under failurePolicy Fail", async () => {
    const w = world();
    const key = await freshKey();
    const entry = {
      imageReferences: [`${UNREACHABLE}/*`],
      attestors: [{ entries: [keyEntry(key)] }],
      verifyDigest: false,
    };
    const result = await evaluate(
      w,
      pod(`${UNREACHABLE}/app:v1`),
      policies({ action: "Audit", failurePolicy: "Fail", entries: [entry] }),
    );
    expect(result.results[0]?.status).toBe("error");
    expect(result.allowed).toBe(false);
  });

  // Kyverno: imageverification/handler.go handleVerifyImages makes the request's failurePolicy Fail if any policy's is.
  it("makes the request's failurePolicy Fail when one policy that took part says Fail", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    const request = admission([
      { name: "a", image: image("app") },
      { name: "b", image: `${UNREACHABLE}/app:v1` },
    ]);
    const ignoring = policies({
      name: "ignoring",
      failurePolicy: "Ignore",
      entries: [
        { imageReferences: [`${UNREACHABLE}/*`], attestors: [{ entries: [keyEntry(key)] }] },
      ],
    });
    const failing = policies({ name: "failing", failurePolicy: "Fail", entries: [signedBy(key)] });
    const result = await evaluate(w, request, [...ignoring, ...failing]);
    expect(result.results.map((r) => `${r.policy} ${r.status}`).sort()).toEqual([
      "failing pass",
      "ignoring error",
    ]);
    expect(result.allowed).toBe(false);
    // Alone, the Ignore policy's error admits.
    const alone = await evaluate(w, request, ignoring);
    expect(alone.allowed).toBe(true);
  });

  // Kyverno: pkg/webhooks/utils/block.go GetBlockedMessages lists every failed or errored rule of every policy.
  it("names only the blocking results in the denial, not an Audit policy's failure", async () => {
    const w = world();
    const [signer, other] = [await freshKey(), await freshKey()];
    await pushSigned(w.registry, "app", "v1", [signer]);
    const enforced = policies({ name: "enforced", entries: [signedBy(other)] });
    const audited = policies({
      name: "audited",
      action: "Audit",
      entries: [{ ...signedBy(other), verifyDigest: false }],
    });
    const result = await evaluate(w, pod(), [...enforced, ...audited]);
    expect(result.allowed).toBe(false);
    expect(result.message).toContain("enforced:");
    expect(result.message).not.toContain("audited:");
    expect(result.warnings.some((m) => m.startsWith("policy audited.r0:"))).toBe(true);
  });
});

describe("parity: what an entry checks", () => {
  // Kyverno: imageverifier.go verifyImage returns after verifyAttestors when there are no attestations,
  // so validate.deny (checked in verifyAttestations) is never evaluated.
  it("evaluates validate.deny on an entry with attestors and no attestations", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    const entry = {
      ...signedBy(key),
      validate: {
        message: "always denied",
        deny: { conditions: { all: [{ key: "a", operator: "Equals", value: "a" }] } },
      },
    };
    const result = await evaluate(w, pod(), policies({ entries: [entry] }));
    expect(result.results[0]).toMatchObject({ status: "fail" });
    expect(result.results[0]?.message).toContain("always denied");
    expect(result.allowed).toBe(false);
  });

  // Kyverno: verifyAttestations does not call ExpandStaticKeys, and cosign.go decodePEM reads the first PEM block.
  it("needs every key of a multi-key publicKeys on an attestation, not only the first", async () => {
    const w = world();
    const [a, b] = [await freshKey(), await freshKey()];
    await pushSigned(w.registry, "app", "v1", [], [{ key: a, predicate: { ok: true } }]);
    const entry = {
      imageReferences: REFS,
      attestations: [
        {
          type: SLSA,
          attestors: [
            {
              entries: [
                {
                  keys: {
                    publicKeys: `${a.pem}\n${b.pem}`,
                    rekor: { ignoreTlog: true },
                    ctlog: { ignoreSCT: true },
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const result = await evaluate(w, pod(), policies({ entries: [entry] }));
    expect(result.results[0]?.status).toBe("fail");
    expect(result.allowed).toBe(false);
  });

  // Kyverno: verifyAttestations gives an attestation without attestors one empty attestor
  // (keyless against the public Fulcio roots, no identity, SCT ignored), never the entry's attestors.
  it("checks an attestation without attestors against its entry's attestors", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key], [{ key, predicate: { ok: true } }]);
    const entry = { ...signedBy(key), attestations: [{ type: SLSA }] };
    const result = await evaluate(w, pod(), policies({ entries: [entry] }));
    expect(result.results[0]?.status).toBe("pass");
  });
});

describe("parity: skipped images, digests and the annotation", () => {
  // Kyverno: validate_image.go validateImage checks verifyDigest for every image imageReferences matches,
  // skipImageReferences or not, and fails "missing digest for ...".
  it("admits a tag-only image that skipImageReferences names, even under verifyDigest", async () => {
    const w = world();
    const key = await freshKey();
    const entry = {
      ...signedBy(key),
      skipImageReferences: [`${HOST}/skipped*`],
      mutateDigest: false,
      verifyDigest: true,
    };
    const result = await evaluate(w, pod(image("skipped")), policies({ entries: [entry] }));
    expect(result.results).toMatchObject([{ status: "skip" }]);
    expect(result.allowed).toBe(true);
    expect(w.net.log).toHaveLength(0);
  });

  // Kyverno: imageverifier.go Verify pins a skipped image under mutateDigest and records it as "skip".
  it("neither pins nor records an image skipImageReferences names", async () => {
    const w = world();
    const key = await freshKey();
    const digest = await pushSigned(w.registry, "app", "v1", [key]);
    const entry = { ...signedBy(key), skipImageReferences: [`${HOST}/skipped*`] };
    const request = admission([
      { name: "a", image: image("app") },
      { name: "b", image: image("skipped") },
    ]);
    const result = await evaluate(w, request, policies({ entries: [entry] }));
    expect(result.allowed).toBe(true);
    const text = JSON.stringify(result.patch);
    expect(result.patch.filter((p) => p.path.startsWith("/spec/containers"))).toEqual([
      { op: "replace", path: "/spec/containers/0/image", value: `${image("app")}@${digest}` },
    ]);
    expect(text).toContain(`${HOST}/app@${digest}`);
    expect(text).not.toContain("skipped");
  });

  // Kyverno: imageverifier.go Verify skips an unchanged image whose old object's scoped annotation says pass.
  it("verifies an UPDATE again, whatever the old object's annotation says", async () => {
    const w = world();
    const [signer, other] = [await freshKey(), await freshKey()];
    await pushSigned(w.registry, "app", "v1", [signer]);
    const review = reviewJson([{ name: "c", image: image("app") }]);
    const request = review.request as Record<string, unknown> & { object: Record<string, unknown> };
    const scoped = JSON.stringify({
      version: 1,
      policies: { "/p": { r0: { [`${HOST}/app:v1`]: "pass" } } },
    });
    const annotated = {
      ...request.object,
      metadata: {
        name: "web",
        namespace: "shop",
        annotations: {
          "kyverno.io/verify-images": JSON.stringify({ [`${HOST}/app:v1`]: "pass" }),
          "kyverno.io/verify-images-scoped": scoped,
        },
      },
    };
    const update = decodeAdmissionReview({
      ...review,
      request: { ...request, operation: "UPDATE", object: annotated, oldObject: annotated },
    });
    const result = await evaluate(w, update, policies({ entries: [signedBy(other)] }));
    expect(result.results[0]?.status).toBe("fail");
    expect(result.allowed).toBe(false);
    expect(w.net.log.length).toBeGreaterThan(0);
  });
});
