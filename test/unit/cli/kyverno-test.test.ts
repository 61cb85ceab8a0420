import { describe, expect, it } from "vitest";
import { resourceRequests } from "../../../src/cli/commands/apply-resources.ts";
import { compareResults } from "../../../src/cli/kyverno-test/outcomes.ts";
import { parseTestFile } from "../../../src/cli/kyverno-test/test-file.ts";
import type { ImageResult } from "../../../src/engine/index.ts";
import { isImgverifyError } from "../../../src/errors.ts";

const parse = (text: string) => parseTestFile({ path: "tests/a/kyverno-test.yaml", text });

function refusal(text: string): string {
  try {
    parse(text);
  } catch (err) {
    if (isImgverifyError(err, "CLI_FILE_UNREADABLE")) return err.message;
    throw err;
  }
  throw new Error("parsed");
}

describe("kyverno-test.yaml", () => {
  it("reads the current and the older spellings, paths relative to the file", () => {
    const test = parse(
      [
        "name: old-style",
        "policies: [policy.yaml, /abs/p.yaml]",
        "resources: [resources.yaml]",
        "results:",
        "- {policy: p, rule: r, resource: web, kind: Pod, status: fail}",
        "- {policy: ns/p, rule: r, resources: [a, shop/b], result: pass}",
      ].join("\n"),
    );
    expect(test).toMatchObject({
      name: "old-style",
      policies: ["tests/a/policy.yaml", "/abs/p.yaml"],
      resources: ["tests/a/resources.yaml"],
      results: [
        { policy: "p", rule: "r", kind: "Pod", resources: ["web"], result: "fail" },
        { policy: "ns/p", rule: "r", kind: undefined, resources: ["a", "shop/b"], result: "pass" },
      ],
    });
  });

  it("refuses by path what it cannot honour or does not know", () => {
    const message = refusal(
      [
        "apiVersion: cli.kyverno.io/v1alpha1",
        "kind: Test",
        "userinfo: user.yaml",
        "results:",
        "- {policy: p, rule: r, resources: [a], result: maybe}",
        "- {policy: p, resources: [a], result: pass, patchedResources: x.yaml}",
        "- {policy: p, rule: r, result: pass}",
      ].join("\n"),
    );
    expect(message).toContain("userinfo: user info files are not supported");
    expect(message).toContain("results[0].result: must be one of pass, fail, skip, error, warn");
    expect(message).toContain("results[1].rule: is required");
    expect(message).toContain("results[1].patchedResources: patched resources are not compared");
    expect(message).toContain("results[2].resources: names no resource");
  });
});

describe("comparing results", () => {
  const [web] = resourceRequests([
    {
      path: "r.yaml",
      text: "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec: {containers: []}",
    },
  ]);
  const result = (status: ImageResult["status"], image: string): ImageResult => ({
    policy: "p",
    rule: "r",
    image,
    path: "spec.rules[0].verifyImages[0]",
    status,
    message: `${image} ${status}`,
    failureAction: "Enforce",
    failurePolicy: "Fail",
  });
  const evaluated = [
    {
      resource: web as NonNullable<typeof web>,
      results: [result("pass", "a"), result("fail", "b")],
    },
  ];
  const want = (resources: string[], expected: "pass" | "fail", rule = "r") => ({
    path: "results[0]",
    policy: "p",
    rule,
    kind: "Pod",
    resources,
    result: expected,
  });

  it("takes the worst result over a rule's images, naming the resource as Kyverno does", () => {
    expect(compareResults([want(["shop/web"], "fail")], evaluated)).toEqual([
      {
        policy: "p",
        rule: "r",
        resource: "v1/Pod/shop/web",
        expected: "fail",
        actual: "fail",
        passed: true,
        reason: "Ok",
      },
    ]);
    expect(compareResults([want(["web"], "pass")], evaluated)[0]).toMatchObject({
      passed: false,
      reason: "Want pass, got fail: b fail",
    });
  });

  it("fails an expectation whose resource or rule gave nothing", () => {
    const rows = compareResults(
      [want(["other/web"], "pass"), want(["web"], "pass", "x")],
      evaluated,
    );
    expect(rows.map((r) => [r.actual, r.passed, r.reason])).toEqual([
      ["none", false, "resource not found"],
      ["none", false, "Want pass, got none"],
    ]);
  });
});
