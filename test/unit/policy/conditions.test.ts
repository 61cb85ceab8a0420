import { describe, expect, it } from "vitest";
import { isImgverifyError } from "../../../src/errors.ts";
import {
  type AnyAllConditions,
  type Condition,
  evaluateConditions,
  evaluateDeny,
  evaluatePreconditions,
  loadPolicies,
  statementPredicate,
} from "../../../src/policy/index.ts";
import { corporaPresent, corpusText } from "./corpora.ts";

const now = Date.parse("2024-01-01T00:00:00Z");

function c(
  key: unknown,
  operator: Condition["operator"],
  value: unknown,
  message?: string,
): Condition {
  return { path: `c.${String(key)}`, key, operator, value, message };
}

describe("evaluateConditions (attestations)", () => {
  const predicate = {
    builder: { id: "https://github.com/slsa-framework/generator@refs/tags/v1.2.3" },
    scanner: { uri: "pkg:github/aquasecurity/trivy@0.34.0" },
  };

  it("merges the predicate into the rule data, as Kyverno does", () => {
    const conditions: AnyAllConditions[] = [
      {
        any: undefined,
        all: [
          c(
            "{{ regex_match('^https://github.com/slsa-framework/.*@refs/tags/v[0-9].[0-9].[0-9]$', '{{ builder.id }}') }}",
            "Equals",
            true,
          ),
          c("{{ request.namespace }}", "Equals", "prod"),
        ],
      },
    ];
    expect(
      evaluateConditions(conditions, predicate, { request: { namespace: "prod" } }, { now }),
    ).toEqual({ passed: true, failed: [] });
    const result = evaluateConditions(
      conditions,
      predicate,
      { request: { namespace: "dev" } },
      { now },
    );
    expect(result.passed).toBe(false);
    expect(result.failed).toEqual([
      { path: "c.{{ request.namespace }}", message: undefined, key: "dev", operator: "Equals" },
    ]);
  });

  it("lets predicate fields override rule data of the same name", () => {
    const merged = evaluateConditions(
      [{ any: undefined, all: [c("{{ scanner.uri }}", "Equals", "pkg:*")] }],
      predicate,
      { scanner: { uri: "x", other: 1 } },
      { now },
    );
    expect(merged.passed).toBe(true);
  });

  it("any: passes on one true, reports every false when none holds", () => {
    const any = [
      c("{{ builder.id }}", "Equals", "nope", "m1"),
      c("{{ scanner.uri }}", "Equals", "nope", "m2"),
    ];
    expect(
      evaluateConditions([{ any, all: undefined }], predicate, {}, { now }).failed.map(
        (f) => f.message,
      ),
    ).toEqual(["m1", "m2"]);
    const mixed = [any[0] as Condition, c("{{ scanner.uri }}", "Equals", "pkg:*")];
    expect(
      evaluateConditions([{ any: mixed, all: undefined }], predicate, {}, { now }).passed,
    ).toBe(true);
  });

  it("all: stops at the first false; every block must pass", () => {
    const all = [
      c("{{ builder.id }}", "Equals", "x", "first"),
      c("{{ scanner.uri }}", "Equals", "y", "second"),
    ];
    expect(
      evaluateConditions([{ any: undefined, all }], predicate, {}, { now }).failed.map(
        (f) => f.message,
      ),
    ).toEqual(["first"]);
    const blocks = [
      { any: undefined, all: [c(1, "Equals", 1)] },
      { any: undefined, all: [c(1, "Equals", 2, "second block")] },
    ];
    expect(evaluateConditions(blocks, predicate, {}, { now }).failed.map((f) => f.message)).toEqual(
      ["second block"],
    );
    expect(evaluateConditions([], predicate, {}, { now }).passed).toBe(true);
    expect(
      evaluateConditions([{ any: undefined, all: undefined }], predicate, {}, { now }).passed,
    ).toBe(true);
  });

  it("substitutes variables in values too", () => {
    const vex = {
      trivy: { Vulnerabilities: [{ VulnerabilityID: "CVE-1" }, { VulnerabilityID: "CVE-2" }] },
      vex: { vulnerabilities: [{ id: "CVE-1" }] },
    };
    const deny = {
      any: [
        c(
          "{{ trivy.Vulnerabilities[*].VulnerabilityID }}",
          "AnyNotIn",
          "{{ vex.vulnerabilities[*].id }}",
        ),
      ],
      all: undefined,
    };
    expect(evaluateDeny({ message: "trivy and vex differ", deny }, vex, { now })).toEqual({
      denied: true,
      message: "trivy and vex differ",
    });
    const same = { ...vex, vex: { vulnerabilities: [{ id: "CVE-1" }, { id: "CVE-2" }] } };
    expect(evaluateDeny({ message: "trivy and vex differ", deny }, same, { now })).toEqual({
      denied: false,
      message: "",
    });
  });

  it("throws on unknown keys, as Kyverno fails the attestation", () => {
    let caught: unknown;
    try {
      evaluateConditions(
        [{ any: undefined, all: [c("{{ Data.bomFormat }}", "Equals", "CycloneDX")] }],
        { bomFormat: "CycloneDX" },
        {},
        { now },
      );
    } catch (err) {
      caught = err;
    }
    expect(isImgverifyError(caught, "VARIABLE_UNRESOLVED")).toBe(true);
  });

  it("takes the predicate out of a statement", () => {
    expect(
      statementPredicate({ _type: "https://in-toto.io/Statement/v1", predicate: { a: 1 } }),
    ).toEqual({ a: 1 });
    expect(() => statementPredicate({ predicate: "x" })).toThrow(/no predicate/);
  });

  it("evaluates preconditions over request data", () => {
    const pre = { any: undefined, all: [c("{{ request.operation }}", "NotEquals", "DELETE")] };
    expect(evaluatePreconditions(pre, { request: { operation: "CREATE" } }, { now }).passed).toBe(
      true,
    );
    expect(evaluatePreconditions(pre, { request: { operation: "DELETE" } }, { now }).passed).toBe(
      false,
    );
    expect(evaluatePreconditions(undefined, {}, { now }).passed).toBe(true);
  });
});

describe.skipIf(!corporaPresent)("published sample conditions on real predicates", () => {
  function conditionsOf(path: string) {
    const [policy] = loadPolicies([{ path, text: corpusText(path) }]).policies;
    const attestation = policy?.rules[0]?.verifyImages[0]?.attestations[0];
    if (attestation === undefined) throw new Error(`no attestation in ${path}`);
    return attestation.conditions;
  }

  it("require-vulnerability-scan: a scan older than a week fails", () => {
    const conditions = conditionsOf(
      "kyverno-policies/other/require-vulnerability-scan/require-vulnerability-scan.yaml",
    );
    const predicate = JSON.parse(
      corpusText("cosign/test/testdata/attestations/vuln-predicate.json"),
    );
    expect(
      evaluateConditions(conditions, predicate, {}, { now: Date.parse("2022-04-15T00:00:00Z") })
        .passed,
    ).toBe(true);
    const late = evaluateConditions(
      conditions,
      predicate,
      {},
      { now: Date.parse("2022-05-01T00:00:00Z") },
    );
    expect(late.passed).toBe(false);
    expect(late.failed[0]?.key).toBe("455h50m0s");
  });

  it("sigstore attestation sample: buildType must be the GitHub workflow type", () => {
    const path =
      "kyverno/test/conformance/chainsaw/verify-images/clusterpolicy/standard/sigstore-attestation-verification-test/policy.yaml";
    const conditions = conditionsOf(path);
    const statement = JSON.parse(
      corpusText("slsa/docs/github-actions-workflow/examples/v1/example.json"),
    );
    const draft = evaluateConditions(conditions, statementPredicate(statement), {}, { now });
    expect(draft.failed.map((f) => f.key)).toEqual([
      "https://slsa.dev/github-actions-workflow/v1?draft",
    ]);
    const github = {
      ...statement.predicate,
      buildDefinition: { buildType: "https://actions.github.io/buildtypes/workflow/v1" },
    };
    expect(evaluateConditions(conditions, github, {}, { now }).passed).toBe(true);
  });

  it("CVE-2022-42889 sample: commons-text 1.9 is refused, 1.10 passes, absence passes", () => {
    const conditions = conditionsOf(
      "kyverno-policies/other/verify-image-cve-2022-42889/verify-image-cve-2022-42889.yaml",
    );
    const sbom = (version: string) => ({
      components: [
        { name: "commons-text", version },
        { name: "other", version: "1.9" },
      ],
    });
    expect(evaluateConditions(conditions, sbom("1.9"), {}, { now }).passed).toBe(false);
    expect(evaluateConditions(conditions, sbom("1.10"), {}, { now }).passed).toBe(true);
    expect(evaluateConditions(conditions, { components: [] }, {}, { now }).passed).toBe(true);
  });
});
