import type { ContextEntry } from "../types.ts";
import { FieldReader, type IssueSink } from "./reader.ts";

const REFUSED: Readonly<Record<string, string>> = {
  apiCall:
    "apiCall context entries need the Kubernetes API or a service call, which imgverify does not make",
  imageRegistry:
    "imageRegistry context entries (image config lookups) are not supported by imgverify",
  globalReference:
    "globalReference context entries need Kyverno's global context, which imgverify does not have",
};

function parseEntry(
  value: unknown,
  path: string,
  sink: IssueSink,
  policyNamespace: string | undefined,
): ContextEntry | undefined {
  const r = FieldReader.of(value, path, sink, [
    "name",
    "configMap",
    "variable",
    ...Object.keys(REFUSED),
  ]);
  if (r === undefined) return undefined;
  const name = r.string("name", true);
  for (const [key, reason] of Object.entries(REFUSED)) r.refuse(key, reason);
  const sources = ["configMap", "variable", ...Object.keys(REFUSED)].filter((k) => r.has(k));
  if (sources.length !== 1)
    r.issue(
      "FIELD_INVALID",
      undefined,
      "exactly one of configMap, variable, apiCall, imageRegistry or globalReference is required",
    );
  if (name === undefined) return undefined;
  const cm = r.object("configMap", ["name", "namespace"]);
  if (cm !== undefined) {
    const cmName = cm.string("name", true);
    const namespace = cm.string("namespace") ?? policyNamespace ?? "default";
    if (
      policyNamespace !== undefined &&
      !namespace.includes("{{") &&
      namespace !== policyNamespace
    ) {
      cm.issue(
        "FIELD_INVALID",
        "namespace",
        `a Policy in namespace "${policyNamespace}" can only read ConfigMaps of its own namespace`,
      );
    }
    return cmName === undefined
      ? undefined
      : { type: "configMap", name, path, configMap: { name: cmName, namespace } };
  }
  const v = r.object("variable", ["value", "jmesPath", "default"]);
  if (v === undefined) return undefined;
  if (!v.has("value") && !v.has("jmesPath"))
    v.issue("FIELD_REQUIRED", undefined, "value or jmesPath is required");
  return {
    type: "variable",
    name,
    path,
    value: v.raw("value"),
    jmesPath: v.string("jmesPath"),
    default: v.raw("default"),
  };
}

/** A rule's `context` entries; the ones imgverify cannot evaluate are refused. */
export function parseContext(r: FieldReader, policyNamespace: string | undefined): ContextEntry[] {
  return r
    .list("context")
    .flatMap(({ value, path }) => parseEntry(value, path, r.sink, policyNamespace) ?? []);
}
