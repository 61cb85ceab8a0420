import { isImgverifyError } from "../../errors.ts";
import { type PolicyErrorCode, policyError } from "../errors.ts";
import { isMapping } from "../kyverno/reader.ts";
import { jmesSearch } from "./jmespath.ts";

/**
 * Kyverno's `{{ }}` variables (pkg/engine/variables): each `{{ expr }}` is a
 * JMESPath over the rule's data. A string that is one variable becomes the
 * value with its type; a variable inside longer text is written as text (JSON
 * for non-strings). Inner variables are replaced first, so
 * `{{ keys.data.{{ request.namespace }} }}` works; `\{{` escapes; `{{- x }}`
 * substitutes once without looking for variables in the result.
 */

export type Variables = Readonly<Record<string, unknown>>;

const VARIABLE = /(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})/g;
/** Substitution rounds per string (nested variables need one round per level). */
const MAX_ROUNDS = 32;
/** Characters a substituted string may grow to, and variables in it. */
const MAX_LENGTH = 256 * 1024;
const MAX_VARIABLES = 1000;

/** JSON as Go's encoding/json writes it for text substitution (object keys sorted). */
function goJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goJson).join(",")}]`;
  if (isMapping(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${goJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

function lookup(variable: string, data: Variables, where: string): unknown {
  // The request is read only when the expression could read its object, so other expressions
  // do not depend on it.
  const deleting =
    variable.includes("request.object") &&
    isMapping(data.request) &&
    data.request.operation === "DELETE";
  const expression = deleting
    ? variable.split("request.object").join("request.oldObject")
    : variable;
  try {
    return jmesSearch(expression, data);
  } catch (err) {
    if (!isImgverifyError<PolicyErrorCode>(err)) throw err;
    throw policyError(err.code, `${where}: ${err.message}`, err);
  }
}

/** Substitutes the variables of one string; `where` names the field for messages. */
export function substituteString(text: string, data: Variables, where: string): unknown {
  // Most fields (keys, certificates, names) hold no variable: skip the scan.
  if (!text.includes("{{")) return text;
  let value = text;
  for (let round = 0; ; round++) {
    const matches = [...value.matchAll(VARIABLE)];
    if (matches.length === 0) break;
    if (matches.length > MAX_VARIABLES) {
      throw policyError("LIMIT_EXCEEDED", `${where}: more than ${MAX_VARIABLES} variables`);
    }
    if (round >= MAX_ROUNDS)
      throw policyError(
        "LIMIT_EXCEEDED",
        `${where}: variables nested deeper than ${MAX_ROUNDS} levels`,
      );
    const original = value;
    let shallow = false;
    let rebuilt = "";
    let from = 0;
    for (const match of matches) {
      const [whole, prefix = "", variable = ""] = match;
      let inner = variable.slice(2, -2).trim();
      shallow = inner.startsWith("-");
      if (shallow) inner = inner.slice(1).trim();
      if (inner === "")
        throw policyError("VARIABLE_UNRESOLVED", `${where}: empty variable ${variable}`);
      let result = lookup(inner, data, where);
      if (original === variable) return result;
      if (shallow && typeof result === "string") result = result.split("{{").join("\\{{");
      const replacement = typeof result === "string" ? result : goJson(result);
      rebuilt += `${original.slice(from, match.index)}${prefix}${replacement}`;
      from = match.index + whole.length;
      if (rebuilt.length > MAX_LENGTH)
        throw policyError(
          "LIMIT_EXCEEDED",
          `${where}: substituted text longer than ${MAX_LENGTH} characters`,
        );
    }
    value = rebuilt + original.slice(from);
    if (shallow) break;
  }
  return value.split("\\{{").join("{{");
}

/** Substitutes variables in every string of a JSON value (object keys are kept). */
export function substituteDeep(value: unknown, data: Variables, where: string): unknown {
  if (typeof value === "string") return substituteString(value, data, where);
  if (Array.isArray(value)) return value.map((v, i) => substituteDeep(v, data, `${where}[${i}]`));
  if (!isMapping(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, substituteDeep(v, data, `${where}.${k}`)]),
  );
}
