import { isImgverifyError } from "../../errors.ts";
import { type PolicyErrorCode, policyError } from "../errors.ts";
import type { ConfigMapSource } from "../kyverno/configmaps.ts";
import type { ContextEntry, VariableContextEntry } from "../types.ts";
import type { EvaluationOptions } from "./conditions.ts";
import { withEvaluation } from "./conditions.ts";
import { jmesSearch } from "./jmespath.ts";
import { substituteDeep, substituteString, type Variables } from "./variables.ts";

/**
 * The data a rule's variables see: the caller's base data (`request`,
 * `images`...) plus the rule's `context` entries, loaded in order so later
 * entries can use earlier ones. A ConfigMap that cannot be found fails the
 * rule with `CONTEXT_UNRESOLVED`.
 */

function stringOf(value: unknown, where: string): string {
  if (typeof value === "string") return value;
  throw policyError(
    "VARIABLE_UNRESOLVED",
    `${where}: expected a string, got ${JSON.stringify(value)}`,
  );
}

function variableEntry(entry: VariableContextEntry, data: Variables): unknown {
  const where = `${entry.path}.variable`;
  const path =
    entry.jmesPath === undefined
      ? undefined
      : stringOf(substituteString(entry.jmesPath, data, `${where}.jmesPath`), `${where}.jmesPath`);
  const fallback =
    entry.default === undefined
      ? undefined
      : substituteDeep(entry.default, data, `${where}.default`);
  let output: unknown = fallback;
  try {
    if (entry.value !== undefined) {
      const value = substituteDeep(entry.value, data, `${where}.value`);
      output = path === undefined ? value : jmesSearch(path, value);
    } else if (path !== undefined) {
      output = jmesSearch(path, data) ?? fallback;
    }
  } catch (err) {
    // A spent budget is not a missing value: the default must not hide it.
    if (
      fallback === undefined ||
      !isImgverifyError<PolicyErrorCode>(err) ||
      err.code === "EXPRESSION_BUDGET_EXCEEDED"
    )
      throw err;
  }
  if (output === undefined || output === null) {
    throw policyError(
      "VARIABLE_UNRESOLVED",
      `${where}: context entry "${entry.name}" evaluated to null`,
    );
  }
  return output;
}

/** `base` extended with the values of `context` (in order). */
export async function loadRuleData(
  context: readonly ContextEntry[],
  base: Variables,
  configMaps: ConfigMapSource,
  options: EvaluationOptions & { readonly policyNamespace?: string },
): Promise<Variables> {
  let data: Variables = base;
  for (const entry of context) {
    if (entry.type === "variable") {
      const current = data;
      data = {
        ...data,
        [entry.name]: withEvaluation(options, () => variableEntry(entry, current)),
      };
      continue;
    }
    const where = `${entry.path}.configMap`;
    const current = data;
    const [name, namespace] = withEvaluation(options, () => [
      stringOf(substituteString(entry.configMap.name, current, `${where}.name`), `${where}.name`),
      stringOf(
        substituteString(entry.configMap.namespace, current, `${where}.namespace`),
        `${where}.namespace`,
      ),
    ]);
    if (options.policyNamespace !== undefined && namespace !== options.policyNamespace) {
      throw policyError(
        "CONTEXT_UNRESOLVED",
        `${where}: a Policy in namespace ${options.policyNamespace} cannot read ConfigMap ${namespace}/${name}`,
      );
    }
    const cm = await configMaps.get(namespace, name);
    if (cm === undefined) {
      throw policyError(
        "CONTEXT_UNRESOLVED",
        `context entry "${entry.name}" (${entry.path}): ConfigMap ${namespace}/${name} was not supplied`,
      );
    }
    data = { ...data, [entry.name]: { data: cm.data, metadata: cm.metadata } };
  }
  return data;
}
