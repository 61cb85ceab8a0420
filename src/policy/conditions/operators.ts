import { policyError } from "../errors.ts";
import { isMapping } from "../kyverno/reader.ts";
import { wildcardMatch } from "../match/wildcard.ts";
import type { ConditionOperator } from "./condition-types.ts";
import { compareQuantities, parseQuantity } from "./go/quantity.ts";
import { compareSemVer, parseSemVer } from "./go/semver.ts";
import { parseGoDuration } from "./go/time.ts";
import { parseGoFloat } from "./go/values.ts";
import { evaluateIn } from "./operators-in.ts";

/**
 * Kyverno's condition operators (pkg/engine/variables/operator) on already
 * substituted keys and values, with the same type rules: durations first
 * (`1h` vs `3600`), then Kubernetes quantities (`1Gi`), then numbers, then
 * wildcard patterns for strings (the value is the pattern).
 */

const SECOND = 1_000_000_000n;

/** Go's `time.Duration(x) * time.Second` for a JSON number (the fraction is dropped first). */
function secondsToNanos(x: number): bigint {
  return BigInt(Math.trunc(x)) * SECOND;
}

/** Kyverno's parseDuration: both as nanoseconds when one side is a duration string and the other a duration or a number. */
function durationPair(key: unknown, value: unknown): [bigint, bigint] | undefined {
  const asDuration = (x: unknown) =>
    typeof x === "string" && x !== "0" ? parseGoDuration(x) : undefined;
  const k = asDuration(key);
  const v = asDuration(value);
  if (k === undefined && v === undefined) return undefined;
  const kn = k ?? (typeof key === "number" ? secondsToNanos(key) : undefined);
  const vn = v ?? (typeof value === "number" ? secondsToNanos(value) : undefined);
  return kn === undefined || vn === undefined ? undefined : [kn, vn];
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMapping(a)) {
    if (!isMapping(b)) return false;
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return a === b;
}

function isSupportedKey(key: unknown): boolean {
  return ["string", "number", "boolean", "object"].includes(typeof key) && key !== null;
}

function equals(key: unknown, value: unknown): boolean {
  if (typeof key === "boolean") return value === key;
  if (typeof key === "number") {
    if (typeof value === "number") return value === key;
    return typeof value === "string" && parseGoFloat(value) === key;
  }
  if (typeof key === "string") {
    const durations = durationPair(key, value);
    if (durations !== undefined) return durations[0] === durations[1];
    const quantity = parseQuantity(key);
    if (quantity !== undefined && typeof value === "string") {
      const other = parseQuantity(value);
      return other !== undefined && compareQuantities(quantity, other) === 0;
    }
    return typeof value === "string" && wildcardMatch(value, key);
  }
  if (Array.isArray(key)) return Array.isArray(value) && deepEqual(key, value);
  return isMapping(key) && isMapping(value) && deepEqual(key, value);
}

type Order = -1 | 0 | 1;

function sign(n: number | bigint): Order {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function compareNumberKey(key: number, value: unknown): Order | undefined {
  if (typeof value === "number") return sign(key - value);
  if (typeof value !== "string") return undefined;
  const durations = durationPair(key, value);
  if (durations !== undefined) return sign(durations[0] - durations[1]);
  const number = parseGoFloat(value);
  return number === undefined ? undefined : sign(key - number);
}

/** The order of `key` against `value` for GreaterThan & co, or undefined when they do not compare. */
function compareOrdered(key: unknown, value: unknown): Order | undefined {
  if (typeof key === "number") return compareNumberKey(key, value);
  if (typeof key !== "string") return undefined;
  const durations = durationPair(key, value);
  if (durations !== undefined) return sign(durations[0] - durations[1]);
  const kq = parseQuantity(key);
  const vq = typeof value === "string" ? parseQuantity(value) : undefined;
  if (kq !== undefined && vq !== undefined) return compareQuantities(kq, vq);
  const number = parseGoFloat(key);
  if (number !== undefined) return compareNumberKey(number, value);
  const version = parseSemVer(key);
  const other = typeof value === "string" ? parseSemVer(value) : undefined;
  return version !== undefined && other !== undefined ? compareSemVer(version, other) : undefined;
}

// The deprecated Duration* operators: numbers are seconds, strings Go durations ("0" included).
function compareDurations(key: unknown, value: unknown): Order | undefined {
  const nanos = (x: unknown) =>
    typeof x === "number"
      ? secondsToNanos(x)
      : typeof x === "string"
        ? parseGoDuration(x)
        : undefined;
  const k = nanos(key);
  const v = nanos(value);
  return k === undefined || v === undefined ? undefined : sign(k - v);
}

const ORDER_TESTS: ReadonlyMap<string, (o: Order) => boolean> = new Map([
  ["GreaterThan", (o: Order) => o > 0],
  ["GreaterThanOrEquals", (o: Order) => o >= 0],
  ["LessThan", (o: Order) => o < 0],
  ["LessThanOrEquals", (o: Order) => o <= 0],
]);

/** Whether `key <operator> value` holds, as Kyverno's operator handlers decide it. */
export function applyOperator(operator: ConditionOperator, key: unknown, value: unknown): boolean {
  switch (operator) {
    case "Equals":
      return equals(key, value);
    case "NotEquals":
      return isSupportedKey(key) && !equals(key, value);
    case "In":
    case "AnyIn":
    case "AllIn":
    case "NotIn":
    case "AnyNotIn":
    case "AllNotIn":
      return evaluateIn(operator, key, value);
    case "DurationGreaterThan":
    case "DurationGreaterThanOrEquals":
    case "DurationLessThan":
    case "DurationLessThanOrEquals": {
      const order = compareDurations(key, value);
      const test = ORDER_TESTS.get(operator.slice("Duration".length));
      return order !== undefined && test !== undefined && test(order);
    }
    default: {
      const test = ORDER_TESTS.get(operator);
      if (test === undefined)
        throw policyError("FIELD_INVALID", `unknown condition operator "${operator}"`);
      const order = compareOrdered(key, value);
      return order !== undefined && test(order);
    }
  }
}
