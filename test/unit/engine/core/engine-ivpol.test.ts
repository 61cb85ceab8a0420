/**
 * ImageValidatingPolicy through /validate over the fake registry (this file
 * runs on Node, Bun, Deno and workerd with the unit suite): a cosign key
 * attestor admits a signed image and denies an unsigned one, its checks
 * shared with a ClusterPolicy checking the same image (no request made
 * twice), and match constraints and conditions decide whether it applies.
 */
import { describe, expect, it } from "vitest";
import { decodeAdmissionReview } from "../../../../src/admission/index.ts";
import { silentLogger } from "../../../../src/deps.ts";
import { nobleSha256 } from "../../../../src/digest/noble.ts";
import { createApp } from "../../../../src/http/app.ts";
import {
  readPolicies,
  StaticConfigMapSource,
  type VerifyImagesPolicy,
} from "../../../../src/policy/index.ts";
import {
  admission,
  evaluate,
  freshKey,
  HOST,
  image,
  keyEntry,
  policyDoc,
  pushSigned,
  REFS,
  reviewJson,
  runClock,
  type World,
  world,
} from "./world.ts";

type Key = Awaited<ReturnType<typeof freshKey>>;

function ivpolDoc(key: Key, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: "policies.kyverno.io/v1alpha1",
    kind: "ImageValidatingPolicy",
    metadata: { name: "iv" },
    spec: {
      validationActions: ["Deny"],
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [""],
            apiVersions: ["v1"],
            operations: ["CREATE", "UPDATE"],
            resources: ["pods"],
          },
        ],
      },
      matchImageReferences: [{ glob: `${HOST}/*` }],
      attestors: [
        {
          name: "key",
          cosign: {
            key: { data: key.pem },
            ctlog: { insecureIgnoreTlog: true, insecureIgnoreSCT: true },
          },
        },
      ],
      validations: [
        {
          expression:
            "images.containers.map(i, verifyImageSignatures(i, [attestors.key])).all(e, e > 0)",
          message: "not signed by the key",
        },
      ],
      ...extra,
    },
  };
}

function load(...docs: object[]): VerifyImagesPolicy[] {
  const loaded = readPolicies(
    docs.map((d, i) => ({ path: `p${i}.json`, text: JSON.stringify(d) })),
  );
  expect(loaded.issues).toEqual([]);
  return [...loaded.policies];
}

function appOver(w: World, loaded: VerifyImagesPolicy[]) {
  return createApp({
    fetch: () => Promise.reject(new Error("no network in app tests")),
    clock: w.clock,
    logger: silentLogger,
    sha256: nobleSha256,
    engine: { policies: loaded, client: w.client, trust: w.trust, clock: w.clock, cache: w.cache },
    auth: { mode: "unauthenticated" },
  });
}

async function validate(w: World, loaded: VerifyImagesPolicy[], ref: string) {
  const app = appOver(w, loaded);
  const res = await runClock(
    w,
    Promise.resolve(
      app.request("/validate", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(reviewJson([{ name: "c", image: ref }])),
      }),
    ),
  );
  return (await res.json()) as { response: { allowed: boolean; status?: { message?: string } } };
}

describe("ImageValidatingPolicy", () => {
  it("admits a signed image and denies an unsigned one through /validate", async () => {
    const w = world();
    const key = await freshKey();
    const signed = await pushSigned(w.registry, "app", "v1", [key]);
    const other = await pushSigned(w.registry, "other", "v1", []);
    const loaded = load(ivpolDoc(key));
    // /validate pins nothing: verifyDigest (the default) needs the digest written.
    const tagOnly = await validate(w, loaded, image("app"));
    expect(tagOnly.response).toMatchObject({
      allowed: false,
      status: { message: expect.stringContaining("missing digest") },
    });
    expect((await validate(w, loaded, `${image("app")}@${signed}`)).response.allowed).toBe(true);
    const denied = await validate(w, loaded, `${image("other")}@${other}`);
    expect(denied.response.allowed).toBe(false);
    expect(denied.response.status?.message).toContain("not signed by the key");
  });

  it("shares its checks with a ClusterPolicy checking the same image", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    const both = load(
      ivpolDoc(key),
      policyDoc({
        entries: [{ imageReferences: REFS, attestors: [{ entries: [keyEntry(key)] }] }],
      }),
    );
    const result = await runClock(
      w,
      evaluate(w, admission([{ name: "c", image: image("app") }]), both, { useCache: false }),
    );
    expect(result.allowed).toBe(true);
    expect(result.results.map((r) => `${r.policy} ${r.status}`).sort()).toEqual([
      "iv pass",
      "p pass",
    ]);
    expect(result.timing.requests).toBe(
      result.timing.requests - result.timing.sharedRequests + result.timing.sharedRequests,
    );
    const paths = w.net.log.map((r) => `${r.method} ${r.url.pathname}`);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it("applies only where its constraints and conditions say", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "other", "v1", []);
    const onlyProd = load(
      ivpolDoc(key, {
        matchConditions: [
          {
            name: "prod",
            expression: "has(object.metadata.labels) && object.metadata.labels.prod == 'true'",
          },
        ],
      }),
    );
    expect((await validate(w, onlyProd, image("other"))).response.allowed).toBe(true);
    const deployments = load(
      ivpolDoc(key, {
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: ["apps"],
              apiVersions: ["v1"],
              operations: ["CREATE"],
              resources: ["deployments"],
            },
          ],
        },
      }),
    );
    expect((await validate(w, deployments, image("other"))).response.allowed).toBe(true);
    expect(w.net.log).toEqual([]);
  });

  it("errs, and denies under failurePolicy Fail, when a validation cannot be evaluated", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    const broken = load(
      ivpolDoc(key, { validations: [{ expression: "object.spec.nothing.here == 1" }] }),
    );
    const result = await runClock(
      w,
      evaluate(w, admission([{ name: "c", image: image("app") }]), broken),
    );
    expect(result.allowed).toBe(false);
    expect(result.results[0]).toMatchObject({ status: "error", code: "CEL_FAILED" });
  });

  it("fails, whatever the failure policy, when the object drives a validation past its cost", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    const costly = load(
      ivpolDoc(key, {
        failurePolicy: "Ignore",
        validations: [
          {
            expression:
              "object.metadata.labels.all(a, object.metadata.labels.all(b, object.metadata.labels.all(c, true)))",
          },
        ],
      }),
    );
    const review = reviewJson([{ name: "c", image: image("app") }]);
    const request = review.request as { object: { metadata: Record<string, unknown> } };
    request.object.metadata.labels = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => [`l${i}`, "x"]),
    );
    const result = await runClock(w, evaluate(w, decodeAdmissionReview(review), costly));
    expect(result.allowed).toBe(false);
    expect(result.results[0]).toMatchObject({ status: "fail", code: "CEL_COST_EXCEEDED" });
  });

  it("verifies the images its `images` extractors name, in any resource", async () => {
    const w = world();
    const key = await freshKey();
    const signed = await pushSigned(w.registry, "app", "v1", [key]);
    const other = await pushSigned(w.registry, "other", "v1", []);
    const loaded = load(
      ivpolDoc(key, {
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: ["example.com"],
              apiVersions: ["v1"],
              operations: ["CREATE"],
              resources: ["runners"],
            },
          ],
        },
        images: [{ name: "runner", expression: "[object.spec.image]" }],
        validations: [
          {
            expression:
              "images.runner.map(i, verifyImageSignatures(i, [attestors.key])).all(e, e > 0)",
            message: "runner not signed",
          },
        ],
      }),
    );
    const runner = (ref: string) => {
      const review = reviewJson([]);
      const request = review.request as Record<string, unknown>;
      request.kind = { group: "example.com", version: "v1", kind: "Runner" };
      request.resource = { group: "example.com", version: "v1", resource: "runners" };
      request.object = { kind: "Runner", metadata: { name: "r" }, spec: { image: ref } };
      return decodeAdmissionReview(review);
    };
    const passed = await runClock(w, evaluate(w, runner(`${image("app")}@${signed}`), loaded));
    expect(passed.allowed).toBe(true);
    const failed = await runClock(w, evaluate(w, runner(`${image("other")}@${other}`), loaded));
    expect(failed.allowed).toBe(false);
    expect(failed.results[0]?.message).toContain("runner not signed");
  });

  it("fails, whatever the failure policy, on an image it cannot read", async () => {
    const w = world();
    const key = await freshKey();
    const loaded = load(ivpolDoc(key, { failurePolicy: "Ignore" }));
    const result = await runClock(
      w,
      evaluate(w, admission([{ name: "c", image: `${HOST}/app:UPPER CASE` }]), loaded),
    );
    expect(result.allowed).toBe(false);
    expect(result.results[0]).toMatchObject({ status: "fail", code: "IMAGE_INVALID" });
  });

  it("takes a key from a ConfigMap through resource.get and a key expression", async () => {
    const w = world();
    const key = await freshKey();
    const signed = await pushSigned(w.registry, "app", "v1", [key]);
    const doc = ivpolDoc(key, {
      variables: [
        {
          name: "cm",
          expression: 'resource.get("v1", "configmaps", object.metadata.namespace, "keys")',
        },
      ],
    });
    const attestor = (doc.spec as { attestors: { cosign: { key: unknown } }[] }).attestors[0];
    if (attestor) attestor.cosign.key = { expression: "variables.cm.data.pem" };
    const loaded = load(doc);
    const pod = admission([{ name: "c", image: `${image("app")}@${signed}` }]);
    const withKey = new StaticConfigMapSource([
      { name: "keys", namespace: "shop", data: { pem: key.pem }, metadata: {} },
    ]);
    const passed = await runClock(w, evaluate(w, pod, loaded, { configMaps: withKey }));
    expect(passed.results[0]?.status).toBe("pass");
    const otherKey = await freshKey();
    const withOther = new StaticConfigMapSource([
      { name: "keys", namespace: "shop", data: { pem: otherKey.pem }, metadata: {} },
    ]);
    const failed = await runClock(w, evaluate(w, pod, loaded, { configMaps: withOther }));
    expect(failed.allowed).toBe(false);
    expect(failed.results[0]?.message).toContain("not signed by the key");
    const none = await runClock(w, evaluate(w, pod, loaded));
    expect(none.allowed).toBe(false);
    expect(none.results[0]).toMatchObject({ status: "error" });
    expect(none.results[0]?.message).toContain("ConfigMap shop/keys not found");
  });

  it("says why in Kyverno's words: messageExpression, message, or the index", async () => {
    const w = world();
    const key = await freshKey();
    const other = await pushSigned(w.registry, "other", "v1", []);
    const unsigned =
      "images.containers.map(i, verifyImageSignatures(i, [attestors.key])).all(e, e > 0)";
    const messageOf = async (validation: Record<string, unknown>) => {
      const loaded = load(ivpolDoc(key, { validations: [{ expression: "true" }, validation] }));
      const pod = admission([{ name: "c", image: `${image("other")}@${other}` }]);
      return (await runClock(w, evaluate(w, pod, loaded))).results[0]?.message;
    };
    expect(
      await messageOf({
        expression: unsigned,
        message: "unused",
        messageExpression: "'unsigned: ' + images.containers[0]",
      }),
    ).toBe(`unsigned: ${image("other")}@${other}`);
    expect(await messageOf({ expression: unsigned, messageExpression: "1" })).toBe(
      "failed to convert message expression to string: 1",
    );
    expect(await messageOf({ expression: unsigned })).toBe(
      "CEL expression validation failed at index 1",
    );
  });

  it("as a NamespacedImageValidatingPolicy, applies to its namespace and reads only there", async () => {
    const w = world();
    const key = await freshKey();
    const other = await pushSigned(w.registry, "other", "v1", []);
    const namespaced = (namespace: string, extra: Record<string, unknown> = {}) => {
      const doc = ivpolDoc(key, extra);
      return {
        ...doc,
        apiVersion: "policies.kyverno.io/v1beta1",
        kind: "NamespacedImageValidatingPolicy",
        metadata: { name: "iv", namespace },
      };
    };
    const unsigned = `${image("other")}@${other}`;
    const inShop = await validate(w, load(namespaced("shop")), unsigned);
    expect(inShop.response.allowed).toBe(false);
    const elsewhere = await validate(w, load(namespaced("elsewhere")), unsigned);
    expect(elsewhere.response.allowed).toBe(true);
    const reader = namespaced("shop", {
      variables: [
        { name: "cm", expression: 'resource.get("v1", "configmaps", "kube-system", "x")' },
      ],
      validations: [{ expression: "variables.cm != null" }],
    });
    const configMaps = new StaticConfigMapSource([
      { name: "x", namespace: "kube-system", data: { a: "b" }, metadata: {} },
    ]);
    const pod = admission([{ name: "c", image: unsigned }]);
    const read = await runClock(w, evaluate(w, pod, load(reader), { configMaps }));
    expect(read.allowed).toBe(false);
    expect(read.results[0]?.message).toContain("own namespace (shop) only");
  });

  it("reads a ConfigMap in a variable for its validations", async () => {
    const w = world();
    const key = await freshKey();
    const signed = await pushSigned(w.registry, "app", "v1", [key]);
    const loaded = load(
      ivpolDoc(key, {
        variables: [
          {
            name: "allowed",
            expression: 'resource.get("v1", "configmaps", "shop", "rules").data.allowed',
          },
        ],
        validations: [
          {
            expression:
              "images.containers.map(i, verifyImageSignatures(i, [attestors.key])).all(e, e > 0)",
          },
          { expression: "variables.allowed == 'yes'", message: "not allowed" },
        ],
      }),
    );
    const pod = admission([{ name: "c", image: `${image("app")}@${signed}` }]);
    const rules = (allowed: string) =>
      new StaticConfigMapSource([
        { name: "rules", namespace: "shop", data: { allowed }, metadata: {} },
      ]);
    const yes = await runClock(w, evaluate(w, pod, loaded, { configMaps: rules("yes") }));
    expect(yes.results[0]?.status).toBe("pass");
    const no = await runClock(w, evaluate(w, pod, loaded, { configMaps: rules("no") }));
    expect(no.results[0]).toMatchObject({ status: "fail", message: "not allowed" });
  });

  it("applies to pod controllers by Kyverno's autogen, reading the pod template", async () => {
    const w = world();
    const key = await freshKey();
    const other = await pushSigned(w.registry, "other", "v1", []);
    const deployment = (labels: Record<string, string>) => {
      const review = reviewJson([{ name: "c", image: `${image("other")}@${other}` }], "Deployment");
      const request = review.request as { object: { spec: { template: { metadata: object } } } };
      request.object.spec.template.metadata = { labels };
      return decodeAdmissionReview(review);
    };
    const prodOnly = {
      matchConditions: [
        {
          name: "prod",
          expression: "has(object.metadata.labels) && object.metadata.labels.prod == 'true'",
        },
      ],
    };
    const loaded = load(ivpolDoc(key, prodOnly));
    const denied = await runClock(w, evaluate(w, deployment({ prod: "true" }), loaded));
    expect(denied.allowed).toBe(false);
    expect(denied.results[0]?.message).toContain("not signed by the key");
    const notProd = await runClock(w, evaluate(w, deployment({ prod: "false" }), loaded));
    expect(notProd.results).toEqual([]);
    const off = load(
      ivpolDoc(key, { ...prodOnly, autogen: { podControllers: { controllers: [] } } }),
    );
    const unchecked = await runClock(w, evaluate(w, deployment({ prod: "true" }), off));
    expect(unchecked.results).toEqual([]);
  });

  it("gives getImageData the verified digest's manifest and config", async () => {
    const w = world();
    const key = await freshKey();
    const signed = await pushSigned(w.registry, "app", "v1", [key]);
    const withData = (expression: string) =>
      load(
        ivpolDoc(key, {
          validations: [
            {
              expression:
                "images.containers.map(i, verifyImageSignatures(i, [attestors.key])).all(e, e > 0)",
            },
            { expression, message: "image data did not hold" },
          ],
        }),
      );
    const pod = admission([{ name: "c", image: `${image("app")}@${signed}` }]);
    const data = "getImageData(images.containers[0])";
    const holds = await runClock(
      w,
      evaluate(
        w,
        pod,
        withData(
          `${data}.config.architecture == 'amd64' && ${data}.digest == '${signed}' && ${data}.manifest.layers.size() == 1 && ${data}.repository == 'app'`,
        ),
      ),
    );
    expect(holds.results[0]).toMatchObject({ status: "pass" });
    const fails = await runClock(w, evaluate(w, pod, withData(`${data}.config.os == 'windows'`)));
    expect(fails.results[0]).toMatchObject({ status: "fail", message: "image data did not hold" });
  });
});
