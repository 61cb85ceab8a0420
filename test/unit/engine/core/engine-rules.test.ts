import { describe, expect, it } from "vitest";
import { decodeAdmissionReview } from "../../../../src/admission/index.ts";
import { StaticConfigMapSource, type VerifyImagesPolicy } from "../../../../src/policy/index.ts";
import { hang } from "../../oci/fake-net.ts";
import { ORIGIN } from "../../oci/setup.ts";
import {
  admission,
  evaluate,
  freshKey,
  image,
  keyEntry,
  policies,
  pushSigned,
  REFS,
  reviewJson,
  runClock,
  SLSA,
  world,
} from "./world.ts";

type Key = Awaited<ReturnType<typeof freshKey>>;
const signedBy = (...keys: Key[]) => ({
  imageReferences: REFS,
  attestors: [{ entries: keys.map(keyEntry) }],
});
const pod = () => admission([{ name: "c", image: image("app") }]);

/** A pod whose one container has `n` environment variables. */
function podWithEnv(n: number) {
  const review = reviewJson([{ name: "c", image: image("app") }]);
  const request = review.request as { object: { spec: { containers: Record<string, unknown>[] } } };
  const [container] = request.object.spec.containers;
  if (container === undefined) throw new Error("no container");
  container.env = Array.from({ length: n }, (_, i) => ({ name: `E${i}`, value: "x" }));
  return decodeAdmissionReview(review);
}

/** `policy` with its first rule reading the ConfigMap kyverno/keys as context `keys`. */
function withKeysConfigMap(policy: VerifyImagesPolicy | undefined): VerifyImagesPolicy {
  const [rule] = policy?.rules ?? [];
  if (policy === undefined || rule === undefined) throw new Error("no rule");
  const context = [
    {
      type: "configMap" as const,
      name: "keys",
      path: "spec.rules[0].context[0]",
      configMap: { name: "keys", namespace: "kyverno" },
    },
  ];
  return { ...policy, rules: [{ ...rule, context }] };
}

describe("evaluateAdmission: rule features", () => {
  it("refuses an image when validate.deny holds over a named attestation's predicate", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key], [{ key, predicate: { level: 1 } }]);
    const entry = (limit: number) => ({
      imageReferences: REFS,
      attestations: [{ type: SLSA, name: "prov", attestors: [{ entries: [keyEntry(key)] }] }],
      validate: {
        message: "provenance level too low",
        deny: {
          conditions: { all: [{ key: "{{ prov.level }}", operator: "LessThan", value: limit }] },
        },
      },
    });
    const denied = await evaluate(w, pod(), policies({ entries: [entry(2)] }));
    expect(denied.results[0]).toMatchObject({ status: "fail" });
    expect(denied.results[0]?.message).toContain("provenance level too low");
    const admitted = await evaluate(w, pod(), policies({ entries: [entry(1)] }));
    expect(admitted.results[0]?.status).toBe("pass");
  });

  it("skips a rule whose preconditions fail, without asking the registry", async () => {
    const w = world();
    const key = await freshKey();
    const loaded = policies({
      rules: [{ name: "r", entries: [signedBy(key)] }],
      extra: {},
    });
    const [policy] = loaded;
    const [rule] = policy?.rules ?? [];
    if (policy === undefined || rule === undefined) throw new Error("no rule");
    const gated = {
      ...policy,
      rules: [
        {
          ...rule,
          preconditions: {
            all: [
              {
                path: "p",
                key: "{{ request.namespace }}",
                operator: "Equals" as const,
                value: "prod",
                message: undefined,
              },
            ],
            any: undefined,
          },
        },
      ],
    };
    const result = await evaluate(w, pod(), [gated]);
    expect(result.results).toMatchObject([{ status: "skip", message: "preconditions not met" }]);
    expect(result.allowed).toBe(true);
    expect(w.net.log).toHaveLength(0);
  });

  it("fails closed when a rule's ConfigMap context is not supplied, and resolves keys from it when it is", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    const entry = {
      imageReferences: REFS,
      attestors: [
        { entries: [{ keys: { publicKeys: "{{ keys.data.pem }}", rekor: { ignoreTlog: true } } }] },
      ],
    };
    const loaded = policies({
      rules: [{ name: "r", entries: [entry] }],
    });
    const [policy] = loaded;
    const withContext = withKeysConfigMap(policy);
    const missing = await evaluate(w, pod(), [withContext]);
    expect(missing.results[0]).toMatchObject({ status: "error", code: "CONTEXT_UNRESOLVED" });
    expect(missing.allowed).toBe(false);
    const configMaps = new StaticConfigMapSource([
      { name: "keys", namespace: "kyverno", data: { pem: key.pem }, metadata: {} },
    ]);
    const found = await evaluate(w, pod(), [withContext], { configMaps });
    expect(found.results[0]?.status).toBe("pass");
  });

  it("fails a rule whose ConfigMap does not come within the budget, without waiting past it", async () => {
    const w = world();
    const key = await freshKey();
    const [policy] = policies({
      timeoutSeconds: 2,
      rules: [{ name: "r", entries: [signedBy(key)] }],
    });
    const withContext = withKeysConfigMap(policy);
    const never = { get: () => new Promise<undefined>(() => {}) };
    const result = await runClock(w, evaluate(w, pod(), [withContext], { configMaps: never }));
    expect(result.results[0]).toMatchObject({ status: "error", code: "DEADLINE_EXCEEDED" });
    expect(result.allowed).toBe(false);
    expect(result.timing.totalMs).toBeLessThanOrEqual(1900);
  });

  it("runs only the first applicable rule of an applyRules: One policy", async () => {
    const w = world();
    const [a, b] = [await freshKey(), await freshKey()];
    await pushSigned(w.registry, "app", "v1", [a]);
    const loaded = policies({
      extra: { applyRules: "One" },
      rules: [
        { name: "first", entries: [signedBy(a)] },
        { name: "second", entries: [signedBy(b)] },
      ],
    });
    const result = await evaluate(w, pod(), loaded);
    expect(result.results.map((r) => `${r.rule} ${r.status}`)).toEqual(["first pass"]);
  });

  it("warns about every rule result of an emitWarning policy", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    const result = await evaluate(
      w,
      pod(),
      policies({ extra: { emitWarning: true }, entries: [signedBy(key)] }),
    );
    expect(result.allowed).toBe(true);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(
      /^policy p\.r0: verified image registry\.example\.test\/app:v1@sha256:/,
    );
  });
});

describe("evaluateAdmission: a check cut short by the deadline", () => {
  it.each([false, true])(
    "reports the pending signature check (sequential: %s)",
    async (sequential) => {
      const w = world();
      const key = await freshKey();
      await pushSigned(w.registry, "app", "v1", [key]);
      // The image resolves; its signature tag never answers.
      w.net.route(ORIGIN, (req) => (req.url.includes(".sig") ? hang(req) : w.registry.handle(req)));
      const result = await runClock(
        w,
        evaluate(w, pod(), policies({ timeoutSeconds: 3, entries: [signedBy(key)] }), {
          sequential,
        }),
      );
      expect(result.timing).toMatchObject({ timedOut: true, budgetMs: 2700 });
      expect(result.allowed).toBe(false);
      expect(result.results[0]).toMatchObject({ status: "error", code: "DEADLINE_EXCEEDED" });
      expect(result.message).toContain(
        "timed out verifying image registry.example.test/app:v1: spec.rules[0].verifyImages[0].attestors[0].entries[0]: signatures not checked in time",
      );
    },
  );

  it("denies a rule whose expressions spend the admission's budget, even under failurePolicy Ignore", async () => {
    const w = world();
    const key = await freshKey();
    await pushSigned(w.registry, "app", "v1", [key]);
    // Quadratic in the pod's env list: a pod author makes it as slow as they like.
    const quadratic =
      "length(map(&length($.request.object.spec.containers[0].env[].name), request.object.spec.containers[0].env))";
    const loaded = policies({
      failurePolicy: "Ignore",
      rules: [{ name: "r", entries: [signedBy(key)] }],
    });
    const [policy] = loaded;
    const [rule] = policy?.rules ?? [];
    if (policy === undefined || rule === undefined) throw new Error("no rule");
    const gated = {
      ...policy,
      rules: [
        {
          ...rule,
          preconditions: {
            all: [
              {
                path: "p",
                key: `{{ ${quadratic} }}`,
                operator: "GreaterThan" as const,
                value: 0,
                message: undefined,
              },
            ],
            any: undefined,
          },
        },
      ],
    };
    const result = await evaluate(w, podWithEnv(6_000), [gated]);
    expect(result.results).toMatchObject([{ status: "fail" }]);
    expect(result.results[0]?.message).toContain("expressions took more than");
    expect(result.allowed).toBe(false);
    expect(w.net.log).toHaveLength(0);
    // The same policy over an ordinary pod is verified and admitted.
    const admitted = await evaluate(w, podWithEnv(10), [gated]);
    expect(admitted.results[0]?.status).toBe("pass");
  });
});
