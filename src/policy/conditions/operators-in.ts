import { wildcardMatch } from "../match/wildcard.ts";
import type { ConditionOperator } from "./condition-types.ts";
import { compareQuantities, parseQuantity } from "./go/quantity.ts";
import { parseGoDuration } from "./go/time.ts";
import { goSprint } from "./go/values.ts";

/**
 * Kyverno's set operators. A key is a scalar or a list; a value is a list, a
 * wildcard pattern, a JSON list in a string, or a numeric range `1-10`
 * (`1!-10` outside it). Scalars and list items are compared as Go's
 * fmt.Sprint prints them, with wildcards on either side; the deprecated
 * In/NotIn compare list keys exactly.
 */

type InOperator = Extract<
  ConditionOperator,
  "In" | "AnyIn" | "AllIn" | "NotIn" | "AnyNotIn" | "AllNotIn"
>;

/** A verdict, or "invalid" when the value has a type the operator does not take (Kyverno answers false). */
type Found = boolean | "invalid";

const IN_RANGE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)(!?)-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;

function either(a: string, b: string): boolean {
  return wildcardMatch(a, b) || wildcardMatch(b, a);
}

// Orders two bounds as durations or quantities, as Kyverno's pattern comparison does.
function order(a: string, b: string): number | undefined {
  const [da, db] = [parseGoDuration(a), parseGoDuration(b)];
  if (da !== undefined && db !== undefined) return da < db ? -1 : da > db ? 1 : 0;
  const [qa, qb] = [parseQuantity(a), parseQuantity(b)];
  return qa !== undefined && qb !== undefined ? compareQuantities(qa, qb) : undefined;
}

/** Whether `key` lies in the range `pattern` (`lo-hi`), or outside it for `lo!-hi`; undefined when not a range. */
function inRange(key: string, pattern: string): boolean | undefined {
  const m = IN_RANGE.exec(pattern);
  if (m === null) return undefined;
  const [, lo = "", not, hi = ""] = m;
  const below = order(key, lo);
  const above = order(key, hi);
  if (below === undefined || above === undefined) return false;
  return not ? below < 0 || above > 0 : below >= 0 && above <= 0;
}

// Kyverno tests for `a!-b` first, so only a plain `a-b` value is taken as a range here.
function isPlainRange(value: string): boolean {
  return IN_RANGE.exec(value)?.[2] === "";
}

// A value string that is a JSON list of strings; "invalid" for other JSON, [text] for non-JSON.
function stringList(text: string, strict: boolean): string[] | "invalid" {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return strict ? "invalid" : [text];
  }
  return Array.isArray(parsed) && parsed.every((x) => typeof x === "string") ? parsed : "invalid";
}

function scalarIn(key: string, value: unknown, deprecated: boolean): Found {
  if (Array.isArray(value)) return value.some((v) => either(goSprint(v), key));
  if (typeof value !== "string") return "invalid";
  if (wildcardMatch(value, key)) return true;
  if (!deprecated && isPlainRange(value)) return inRange(key, value) === true;
  const list = stringList(value, deprecated);
  return list === "invalid" ? list : list.includes(key);
}

function listIn(keys: readonly string[], value: unknown, op: InOperator): Found {
  const negated = op.includes("Not");
  if (typeof value === "string" && keys.length === 1 && keys[0] === value)
    return op === "NotIn" || !negated;
  let values: string[] | "invalid";
  if (Array.isArray(value)) {
    values =
      op === "In" || op === "NotIn"
        ? value.every((v) => typeof v === "string")
          ? value
          : "invalid"
        : value.map(goSprint);
  } else if (typeof value === "string") {
    const rangeTest = (k: string) => inRange(k, value);
    if (op !== "In" && op !== "NotIn" && isPlainRange(value)) {
      if (op === "AnyIn") return keys.some((k) => rangeTest(k) === true);
      if (op === "AllIn") return keys.every((k) => rangeTest(k) === true);
      if (op === "AnyNotIn") return keys.some((k) => inRange(k, value.replace("-", "!-")) === true);
      return !keys.some((k) => rangeTest(k) === true);
    }
    values = stringList(value, op === "In" || op === "NotIn");
  } else if (
    (op === "AnyIn" || op === "AnyNotIn") &&
    ["number", "boolean"].includes(typeof value)
  ) {
    values = [goSprint(value)];
  } else {
    return "invalid";
  }
  if (values === "invalid") return values;
  const vals = values;
  const found = (k: string) =>
    op === "In" || op === "NotIn" ? vals.includes(k) : vals.some((v) => either(k, v));
  switch (op) {
    case "In":
    case "AllIn":
      return keys.every(found);
    case "AnyIn":
      return keys.some(found);
    case "NotIn":
    case "AnyNotIn":
      return keys.some((k) => !found(k));
    default:
      return !keys.some(found);
  }
}

export function evaluateIn(op: InOperator, key: unknown, value: unknown): boolean {
  const deprecated = op === "In" || op === "NotIn";
  if (Array.isArray(key)) {
    if (deprecated && !key.every((k) => typeof k === "string")) return false;
    const result = listIn(key.map(goSprint), value, op);
    return result === true;
  }
  if (!["string", "number", "boolean"].includes(typeof key)) return false;
  const found = scalarIn(goSprint(key), value, deprecated);
  if (found === "invalid") return false;
  return op.includes("Not") ? !found : found;
}
