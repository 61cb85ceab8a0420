import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadPolicies, readPolicies } from "../../../src/policy/index.ts";
import { corporaPresent, corpusText, yamlFilesUnder } from "../policy/corpora.ts";
import {
  FUZZ_SEED,
  fuzzOptions,
  mutate,
  mutationsArb,
  outcome,
  PROTOTYPE_NAMES,
} from "./support.ts";

const CODES = ["POLICY_INVALID", "YAML_INVALID", "LIMIT_EXCEEDED"];
const ISSUE_CODES = [
  "YAML_INVALID",
  "FIELD_INVALID",
  "FIELD_REQUIRED",
  "FIELD_UNKNOWN",
  "UNSUPPORTED_FEATURE",
  "VARIABLE_UNRESOLVED",
  "LIMIT_EXCEEDED",
];

const kyvernoKeys = fc.constantFrom(
  "apiVersion",
  "kind",
  "metadata",
  "name",
  "spec",
  "rules",
  "match",
  "exclude",
  "any",
  "all",
  "resources",
  "kinds",
  "verifyImages",
  "imageReferences",
  "attestors",
  "entries",
  "keys",
  "publicKeys",
  "keyless",
  "subject",
  "issuer",
  "attestations",
  "predicateType",
  "type",
  "conditions",
  "key",
  "operator",
  "value",
  "context",
  "configMap",
  "preconditions",
  "validationFailureAction",
  "mutateDigest",
  "verifyDigest",
  "required",
  "imageExtractors",
  "rekor",
  "ctlog",
  "url",
  "count",
  "annotations",
  ...PROTOTYPE_NAMES,
);
const scalar = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom(
    "ClusterPolicy",
    "Policy",
    "kyverno.io/v1",
    "Pod",
    "Enforce",
    "{{ request.object }}",
    "ghcr.io/*",
    "Cosign",
    "Notary",
    "*",
    "List",
  ),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const treeArb = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.dictionary(kyvernoKeys, tie("node"), { maxKeys: 6 }),
    fc.array(tie("node"), { maxLength: 3 }),
  ),
})).node;
const policyLike = fc.record({
  apiVersion: fc.constantFrom("kyverno.io/v1", "kyverno.io/v2beta1", "v1"),
  kind: fc.constantFrom("ClusterPolicy", "Policy", "ConfigMap", "List"),
  metadata: fc.record({ name: fc.string({ maxLength: 8 }) }),
  spec: fc.record({
    rules: fc.array(fc.dictionary(kyvernoKeys, treeArb, { maxKeys: 5 }), { maxLength: 3 }),
  }),
  items: fc.array(treeArb, { maxLength: 2 }),
});

/** Reading never throws and every issue is coded; loading throws only PolicyLoadError-coded errors. */
function checkText(text: string): void {
  const files = [{ path: "fuzz.yaml", text }];
  const read = outcome(() => readPolicies(files), []);
  if (!(read instanceof Error)) {
    for (const issue of read.issues) expect(ISSUE_CODES).toContain(issue.code);
  }
  outcome(() => loadPolicies(files), CODES);
}

const yamlPieces = fc.constantFrom(
  "a: b\n",
  "- x\n",
  "---\n",
  "kind: ClusterPolicy\n",
  "&a [*a]\n",
  "!!binary x\n",
  "? k\n",
  ": v\n",
  "{",
  "}",
  "[",
  "]",
  "'",
  '"',
  "\t",
  "  ",
  "\n",
  "key: *alias\n",
  "<<: *a\n",
  "%YAML 1.2\n",
  "!tag\n",
  "apiVersion: kyverno.io/v1\n",
  "spec:\n  rules:\n  - name: r\n",
  "    verifyImages:\n    - imageReferences: ['*']\n",
);

describe(`policy loader properties (seed ${FUZZ_SEED})`, { timeout: 30_000 }, () => {
  it("arbitrary YAML-ish text loads or is refused with codes", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.array(yamlPieces, { maxLength: 20 }).map((p) => p.join("")),
        ),
        checkText,
      ),
      fuzzOptions(400),
    );
  });

  it("Kyverno-like trees as JSON load or are refused with codes", () => {
    fc.assert(
      fc.property(fc.oneof(policyLike, treeArb), (doc) => checkText(JSON.stringify(doc))),
      fuzzOptions(400),
    );
  });

  it("YAML alias bombs are bounded", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 12; i++)
      bomb.push(
        `${"a".repeat(i + 1)}: &${"a".repeat(i + 1)} [${Array(9)
          .fill(`*${"a".repeat(i)}`)
          .join(", ")}]`,
      );
    checkText(`${bomb.join("\n")}\nkind: ClusterPolicy\n`);
  });

  const documents = corporaPresent
    ? [
        ...yamlFilesUnder("kyverno-policies"),
        ...yamlFilesUnder("kyverno/test/conformance/chainsaw/verify-images"),
      ]
        .filter((file) => /polic/i.test(file))
        .flatMap((file) => parseAllDocuments(corpusText(file)).map((doc) => doc.toJS() as unknown))
        .filter(
          (doc) =>
            typeof doc === "object" &&
            doc !== null &&
            /Policy$/.test(String((doc as { kind?: unknown }).kind)),
        )
    : [];

  it.skipIf(!corporaPresent)(
    "mutations of real policies load or are refused with codes",
    () => {
      expect(documents.length).toBeGreaterThan(10);
      fc.assert(
        fc.property(fc.constantFrom(...documents), mutationsArb, (doc, mutations) => {
          checkText(JSON.stringify(mutate(doc, mutations)));
        }),
        fuzzOptions(150),
      );
    },
    20_000,
  );
});
