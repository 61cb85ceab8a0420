/**
 * CEL expressions as policies hold them, over `@bufbuild/cel` (a planner and
 * interpreter without `eval` or `new Function`, so it runs on workerd too).
 * An expression is parsed and planned once, at load; each evaluation binds
 * JSON values (Kubernetes objects, image data) converted to CEL's types, and
 * is held to a cost limit (see limits.ts and cost.ts).
 */
import { type CelInput, type CelValue, isCelList, isCelMap, isCelUint } from "@bufbuild/cel";
import { type CompileOptions, compileCelValue, type EvaluateOptions } from "./program.ts";

export type { CelCostBudget } from "./cost.ts";
export type { CelErrorCode } from "./errors.ts";
export { type CelLimits, DEFAULT_CEL_LIMITS } from "./limits.ts";
export type { CompileOptions, EvaluateOptions } from "./program.ts";

export interface CelProgram {
  readonly expression: string;
  /**
   * The value of the expression over `bindings` (JSON values by variable
   * name); throws `CEL_FAILED`, or `CEL_COST_EXCEEDED` past the cost limit
   * (or the shared budget's own error when `options.budget` is spent).
   */
  evaluate(bindings: Readonly<Record<string, unknown>>, options?: EvaluateOptions): unknown;
}

/** Parses and plans `expression`; throws `CEL_INVALID` naming `where` and the parser's reason. */
export function compileCel(
  expression: string,
  where: string,
  options: CompileOptions = {},
): CelProgram {
  const program = compileCelValue(expression, where, options);
  return {
    expression,
    evaluate(bindings, evaluation) {
      const input: Record<string, CelInput> = {};
      for (const [name, value] of Object.entries(bindings)) input[name] = toCel(value);
      return fromCel(program.run(input, evaluation));
    },
  };
}

/** Whole numbers in this range are CEL `int`s; beyond it a double is all JSON ever held. */
const INT64_BOUND = 2 ** 63;

/**
 * A JSON value as CEL sees Kubernetes objects: whole numbers are `int`
 * (bigint), others `double`; objects are maps. Values already of CEL's
 * types pass as they are.
 */
export function toCel(value: unknown): CelInput {
  if (typeof value === "number") {
    return Number.isInteger(value) && Math.abs(value) < INT64_BOUND ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map(toCel);
  if (value instanceof Map || value instanceof Uint8Array || isCelValueObject(value)) {
    return value as CelInput;
  }
  if (typeof value === "object" && value !== null) {
    return new Map(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  }
  return value as CelInput;
}

function isCelValueObject(value: unknown): boolean {
  return isCelList(value) || isCelMap(value) || isCelUint(value);
}

/** A CEL result back as plain JSON-like values (ints as numbers when they fit). */
export function fromCel(value: CelValue | unknown): unknown {
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  if (isCelUint(value)) return fromCel(value.value);
  if (isCelList(value)) return [...value].map(fromCel);
  if (isCelMap(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value.entries()) out[String(k)] = fromCel(v);
    return out;
  }
  return value;
}
