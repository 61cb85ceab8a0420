import { type PolicyIssue, PolicyLoadError } from "../errors.ts";
import { parseImageValidatingPolicy } from "../ivpol/parse.ts";
import type { VerifyImagesPolicy } from "../types.ts";
import { type ConfigMap, parseConfigMap, StaticConfigMapSource } from "./configmaps.ts";
import { parsePolicy } from "./parse-policy.ts";
import { collectIssues, type IssueSink, isMapping } from "./reader.ts";
import { parseSecret, type Secret, StaticSecretSource } from "./secrets.ts";
import { type PolicyFile, parseYamlFiles, type YamlDocument } from "./yaml-documents.ts";

/** A document that was not loaded, with every reason. */
export interface RefusedDocument {
  readonly file: string;
  readonly document: number;
  readonly kind: string;
  readonly name: string | undefined;
  readonly issues: readonly PolicyIssue[];
}

/** A document that is not for imgverify (another kind, or a policy without verifyImages rules). */
export interface SkippedDocument {
  readonly file: string;
  readonly document: number;
  readonly kind: string;
  readonly name: string | undefined;
  readonly reason: string;
}

export interface LoadResult {
  readonly policies: readonly VerifyImagesPolicy[];
  readonly configMaps: StaticConfigMapSource;
  /** Secrets given beside the policies, for attestors' `keys.secret`. */
  readonly secrets: StaticSecretSource;
  readonly refused: readonly RefusedDocument[];
  readonly skipped: readonly SkippedDocument[];
  /** Every issue of every refused document, and YAML errors. */
  readonly issues: readonly PolicyIssue[];
}

const MAX_LIST_ITEMS = 10_000;

/** Adds `object` (a ConfigMap or a Secret) unless one of that namespace and name is there already. */
function addUnique<T extends { namespace: string; name: string }>(
  objects: T[],
  object: T | undefined,
  kind: string,
  sink: IssueSink,
  clean: () => boolean,
): void {
  if (object === undefined) return;
  if (objects.some((o) => o.namespace === object.namespace && o.name === object.name)) {
    sink(
      "FIELD_INVALID",
      "metadata.name",
      `${kind} ${object.namespace}/${object.name} is given more than once`,
    );
  }
  if (clean()) objects.push(object);
}

function describe(doc: YamlDocument): {
  kind: string;
  name: string | undefined;
  apiVersion: string;
} {
  const v = isMapping(doc.value) ? doc.value : {};
  const metadata = isMapping(v.metadata) ? v.metadata : {};
  return {
    kind: typeof v.kind === "string" ? v.kind : "",
    apiVersion: typeof v.apiVersion === "string" ? v.apiVersion : "",
    name: typeof metadata.name === "string" ? metadata.name : undefined,
  };
}

// `kind: List` documents (kubectl's) carry their objects in `items`.
function expandLists(documents: readonly YamlDocument[]): YamlDocument[] {
  return documents.flatMap((doc) => {
    const v = doc.value;
    if (!isMapping(v) || v.kind !== "List" || !Array.isArray(v.items)) return [doc];
    return v.items.slice(0, MAX_LIST_ITEMS).map((item) => ({ ...doc, value: item }));
  });
}

/**
 * Reads policy and ConfigMap documents from `files` without throwing: every
 * ClusterPolicy/Policy with verifyImages rules is loaded or refused with all
 * of its issues; ConfigMaps are collected for rule `context`.
 */
export function readPolicies(files: readonly PolicyFile[]): LoadResult {
  return readPolicyDocuments(parseYamlFiles(files));
}

/**
 * `readPolicies` over documents already read from YAML (and the issues that
 * reading found): what the Worker bundles, so it parses no YAML at run time.
 */
export function readPolicyDocuments(parsed: {
  readonly documents: readonly YamlDocument[];
  readonly issues: readonly PolicyIssue[];
}): LoadResult {
  const policies: VerifyImagesPolicy[] = [];
  const configMaps: ConfigMap[] = [];
  const secrets: Secret[] = [];
  const refused: RefusedDocument[] = [];
  const skipped: SkippedDocument[] = [];
  const issues: PolicyIssue[] = [...parsed.issues];
  for (const doc of expandLists(parsed.documents)) {
    const { kind, name, apiVersion } = describe(doc);
    const { issues: found, sink } = collectIssues();
    const at = { file: doc.file, document: doc.index };
    const skip = (reason: string) => skipped.push({ ...at, kind, name, reason });
    if (!isMapping(doc.value)) {
      sink("YAML_INVALID", "", "a document must be a mapping");
    } else if (
      (kind === "ClusterPolicy" || kind === "Policy") &&
      apiVersion.startsWith("kyverno.io/")
    ) {
      const policy = parsePolicy(doc.value, at, sink);
      if (policy !== undefined && found.length === 0) {
        if (policy.rules.length > 0) policies.push(policy);
        else
          skip(
            `no verifyImages rules (${policy.ignoredRules.length} other rule(s) not run by imgverify)`,
          );
      }
    } else if (kind === "ConfigMap" && apiVersion === "v1") {
      addUnique(configMaps, parseConfigMap(doc.value, sink), kind, sink, () => found.length === 0);
    } else if (kind === "Secret" && apiVersion === "v1") {
      addUnique(secrets, parseSecret(doc.value, sink), kind, sink, () => found.length === 0);
    } else if (
      (kind === "ImageValidatingPolicy" || kind === "NamespacedImageValidatingPolicy") &&
      apiVersion.startsWith("policies.kyverno.io/")
    ) {
      const policy = parseImageValidatingPolicy(doc.value, at, sink);
      if (policy !== undefined && found.length === 0) policies.push(policy);
    } else if (apiVersion.startsWith("policies.kyverno.io/")) {
      sink(
        "UNSUPPORTED_FEATURE",
        "kind",
        `${kind} is not supported by imgverify; use an ImageValidatingPolicy or a ClusterPolicy with verifyImages`,
      );
    } else {
      skip("not a Kyverno ClusterPolicy/Policy, a ConfigMap or a Secret");
    }
    if (found.length > 0) {
      const located = found.map((i) => ({
        ...i,
        ...at,
        ...(name === undefined ? {} : { policy: name }),
      }));
      refused.push({ ...at, kind, name, issues: located });
      issues.push(...located);
    }
  }
  return {
    policies,
    configMaps: new StaticConfigMapSource(configMaps),
    secrets: new StaticSecretSource(secrets),
    refused,
    skipped,
    issues,
  };
}

/** Like `readPolicies`, but throws `PolicyLoadError` listing every issue when anything was refused. */
export function loadPolicies(files: readonly PolicyFile[]): LoadResult {
  return refuseIssues(readPolicies(files));
}

/** Like `readPolicyDocuments`, throwing as `loadPolicies` does. */
export function loadPolicyDocuments(documents: readonly YamlDocument[]): LoadResult {
  return refuseIssues(readPolicyDocuments({ documents, issues: [] }));
}

function refuseIssues(result: LoadResult): LoadResult {
  if (result.issues.length > 0) throw new PolicyLoadError(result.issues);
  return result;
}
