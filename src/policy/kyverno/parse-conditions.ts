import {
  type AnyAllConditions,
  CONDITION_OPERATORS,
  type Condition,
  type ConditionOperator,
  type Conditions,
} from "../conditions/condition-types.ts";
import { FieldReader, type IssueSink, isMapping } from "./reader.ts";

// Kyverno compares operator names case-insensitively and accepts the
// singular Equal/NotEqual as aliases.
const OPERATORS = new Map<string, ConditionOperator>([
  ...CONDITION_OPERATORS.map((op) => [op.toLowerCase(), op] as const),
  ["equal", "Equals"],
  ["notequal", "NotEquals"],
]);

function parseCondition(value: unknown, path: string, sink: IssueSink): Condition | undefined {
  const r = FieldReader.of(value, path, sink, ["key", "operator", "value", "message"]);
  if (r === undefined) return undefined;
  const operatorText = r.string("operator", true);
  const operator =
    operatorText === undefined ? undefined : OPERATORS.get(operatorText.toLowerCase());
  if (operatorText !== undefined && operator === undefined) {
    r.issue(
      "FIELD_INVALID",
      "operator",
      `unknown operator "${operatorText}" (one of ${CONDITION_OPERATORS.join(", ")})`,
    );
  }
  if (!r.has("key")) r.issue("FIELD_REQUIRED", "key", "is required");
  const message = r.string("message");
  if (operator === undefined || !r.has("key")) return undefined;
  return { path, key: r.raw("key"), operator, value: r.raw("value") ?? null, message };
}

function parseList(r: FieldReader, key: string): Condition[] | undefined {
  if (!r.has(key)) return undefined;
  return r.list(key).flatMap(({ value, path }) => parseCondition(value, path, r.sink) ?? []);
}

/** An `{any, all}` block. */
function parseAnyAll(value: unknown, path: string, sink: IssueSink): AnyAllConditions | undefined {
  const r = FieldReader.of(value, path, sink, ["any", "all"]);
  if (r === undefined) return undefined;
  return { any: parseList(r, "any"), all: parseList(r, "all") };
}

/** Attestation `conditions`: a list of `{any, all}` blocks that must all hold. */
export function parseConditionBlocks(value: unknown, path: string, sink: IssueSink): Conditions {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    sink("FIELD_INVALID", path, "must be a list of {any, all} blocks");
    return [];
  }
  return value.flatMap((block, i) => parseAnyAll(block, `${path}[${i}]`, sink) ?? []);
}

/** `preconditions` (and `deny.conditions`): an `{any, all}` block, or the legacy plain list (all must hold). */
export function parsePreconditions(
  value: unknown,
  path: string,
  sink: IssueSink,
): AnyAllConditions | undefined {
  if (value === undefined || value === null) return undefined;
  if (isMapping(value)) return parseAnyAll(value, path, sink);
  if (!Array.isArray(value)) {
    sink("FIELD_INVALID", path, "must be an {any, all} block or a list of conditions");
    return undefined;
  }
  const all = value.flatMap((c, i) => parseCondition(c, `${path}[${i}]`, sink) ?? []);
  return { any: undefined, all };
}
