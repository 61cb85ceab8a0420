/**
 * A `kyverno-test.yaml` as `kyverno test` reads it (cli.kyverno.io/v1alpha1
 * `Test`, or the older file without apiVersion): the policy and resource
 * files, relative to the test file, and the result expected of each policy,
 * rule and resource. What imgverify cannot honour (variables, user info,
 * patched or generated resources, other policy types) is refused by path,
 * never passed over.
 */
import { ImgverifyError } from "../../errors.ts";
import { formatIssue, type PolicyFile } from "../../policy/index.ts";
import { collectIssues, FieldReader } from "../../policy/kyverno/reader.ts";
import { parseYamlFiles } from "../../policy/kyverno/yaml-documents.ts";
import type { CliErrorCode } from "../errors.ts";

/** Results Kyverno reports for a rule; `warn` is a failure of a policy scored "false". */
export const RESULTS = ["pass", "fail", "skip", "error", "warn"] as const;
export type ExpectedStatus = (typeof RESULTS)[number];

export interface ExpectedResult {
  /** The field path in the test file, for messages. */
  readonly path: string;
  /** `name`, or `namespace/name` for a namespaced Policy. */
  readonly policy: string;
  readonly rule: string;
  /** The resource's kind, when the result names one. */
  readonly kind: string | undefined;
  /** Each `name` or `namespace/name`. */
  readonly resources: readonly string[];
  readonly result: ExpectedStatus;
}

export interface TestFile {
  readonly path: string;
  readonly name: string;
  /** Paths resolved against the test file's folder. */
  readonly policies: readonly string[];
  readonly resources: readonly string[];
  readonly results: readonly ExpectedResult[];
}

const UNSUPPORTED: Readonly<Record<string, string>> = {
  variables:
    "variable values files are not supported; give the ConfigMaps the rules read beside the policies",
  values: "inline variable values are not supported",
  userinfo:
    "user info files are not supported; resources are admitted by an authenticated user with no roles",
  exceptions: "policy exceptions are not supported",
  context: "context files are not supported",
  clusterResources: "cluster resources are not supported",
  apiCallResponses: "API call responses are not supported",
  globalContextEntries: "global context entries are not supported",
  paramResources: "parameter resources are not supported",
  targetResources: "target resources are not supported",
  jsonPayload: "JSON payloads are not supported",
  jsonPayloads: "JSON payloads are not supported",
  httpPayloads: "HTTP payloads are not supported",
  envoyPayloads: "Envoy payloads are not supported",
};

const RESULT_UNSUPPORTED: Readonly<Record<string, string>> = {
  patchedResources: "patched resources are not compared",
  generatedResource: "generated resources are not compared",
  generatedResources: "generated resources are not compared",
  cloneSourceResource: "clone sources are not compared",
  resourceSpecs: "resource specs are not supported; name the resources",
  operation: "only CREATE is admitted",
  isValidatingAdmissionPolicy: "only Kyverno ClusterPolicy and Policy are run",
  isMutatingAdmissionPolicy: "only Kyverno ClusterPolicy and Policy are run",
  isValidatingPolicy: "only Kyverno ClusterPolicy and Policy are run",
  isDeletingPolicy: "only Kyverno ClusterPolicy and Policy are run",
  isImageValidatingPolicy: "only Kyverno ClusterPolicy and Policy are run",
  isGeneratingPolicy: "only Kyverno ClusterPolicy and Policy are run",
  isMutatingPolicy: "only Kyverno ClusterPolicy and Policy are run",
};

/** The test in `file`; throws `CLI_FILE_UNREADABLE` naming every problem. */
export function parseTestFile(file: PolicyFile): TestFile {
  const { documents, issues: yamlIssues } = parseYamlFiles([file]);
  const { issues, sink } = collectIssues();
  const [document, ...rest] = documents;
  if (rest.length > 0) sink("FIELD_INVALID", "", "a test file holds one document");
  const keys = ["apiVersion", "kind", "metadata", "name", "policies", "resources", "results"];
  const top = FieldReader.of(document?.value, "", sink, [...keys, ...Object.keys(UNSUPPORTED)]);
  for (const [field, reason] of Object.entries(UNSUPPORTED)) top?.refuse(field, reason);
  if (top?.has("apiVersion") && top.string("apiVersion") !== "cli.kyverno.io/v1alpha1") {
    top.issue("FIELD_INVALID", "apiVersion", "must be cli.kyverno.io/v1alpha1");
  }
  if (top?.has("kind") && top.string("kind") !== "Test")
    top.issue("FIELD_INVALID", "kind", "must be Test");
  const metadata = top?.object("metadata", ["name", "namespace", "labels", "annotations"]);
  const results = (top?.list("results") ?? []).flatMap(({ value, path }) => {
    const r = FieldReader.of(value, path, sink, [
      "policy",
      "rule",
      "kind",
      "resource",
      "resources",
      "result",
      "status",
      ...Object.keys(RESULT_UNSUPPORTED),
    ]);
    if (r === undefined) return [];
    for (const [field, reason] of Object.entries(RESULT_UNSUPPORTED)) r.refuse(field, reason);
    const policy = r.string("policy", true);
    const rule = r.string("rule", true);
    // `status` and `resource` are the older spellings of `result` and `resources`.
    const result = r.oneOf(r.has("status") ? "status" : "result", RESULTS);
    const resource = r.string("resource");
    const resources = [...r.stringList("resources"), ...(resource === undefined ? [] : [resource])];
    if (resources.length === 0) r.issue("FIELD_REQUIRED", "resources", "names no resource");
    if (result === undefined && !r.has("result") && !r.has("status")) {
      r.issue("FIELD_REQUIRED", "result", "is required");
    }
    if (policy === undefined || rule === undefined || result === undefined) return [];
    return [{ path, policy, rule, kind: r.string("kind"), resources, result }];
  });
  const problems = [...yamlIssues, ...issues];
  if (problems.length > 0) {
    const listed = problems.map((issue) => formatIssue({ ...issue, file: file.path })).join("\n");
    throw new ImgverifyError<CliErrorCode>(
      "CLI_FILE_UNREADABLE",
      `test file "${file.path}":\n${listed}`,
    );
  }
  // The test file's folder, as the io layer names files (forward slashes on every runtime).
  const folder = file.path.slice(0, file.path.lastIndexOf("/") + 1);
  const within = (paths: readonly string[]) =>
    paths.map((p) => (p.startsWith("/") ? p : `${folder}${p}`));
  return {
    path: file.path,
    name: metadata?.string("name") ?? top?.string("name") ?? file.path,
    policies: within(top?.stringList("policies") ?? []),
    resources: within(top?.stringList("resources") ?? []),
    results,
  };
}
