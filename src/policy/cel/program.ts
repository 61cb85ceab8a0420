/**
 * A CEL expression compiled once, at load, over CEL's own values: parsed,
 * held to the compile-time limits, instrumented for cost and planned.
 * `evaluate.ts` puts the JSON bridge on top; the CEL conformance suite runs
 * this directly, since JSON cannot tell `1u` from `1` or `1.0`.
 */
import {
  type CelFunc,
  type CelInput,
  type CelResult,
  type CelValue,
  type celEnv,
  isCelError,
  parse,
  plan,
} from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { reasonOf } from "../../errors.ts";
import {
  type CelCostBudget,
  CostExceeded,
  CostMeter,
  meteredEnv,
  meterIterations,
} from "./cost.ts";
import { celCodedError } from "./errors.ts";
import { type CelLimits, checkBound, resolveLimits } from "./limits.ts";
import { inspectTree } from "./tree.ts";

export interface CompileOptions {
  /** Functions beyond CEL's standard library and the strings extension. */
  readonly functions?: readonly CelFunc[];
  /** Bounds on the expression and on each evaluation; each one defaults to `DEFAULT_CEL_LIMITS`. */
  readonly limits?: Partial<CelLimits>;
}

/** Per-evaluation settings, the optional second argument of `evaluate`. */
export interface EvaluateOptions {
  /** Cost units this evaluation may spend, instead of the compiled `limits.costLimit`. */
  readonly costLimit?: number;
  /**
   * A budget this evaluation shares with others (one admission's), charged
   * the same units; when it is spent, its own error is thrown as it is.
   */
  readonly budget?: CelCostBudget;
}

type CelEnvOptions = NonNullable<Parameters<typeof celEnv>[0]>;

export interface CelValueCompileOptions extends CompileOptions {
  /** Protobuf message types the expression may name; policies need none, the conformance suite does. */
  readonly registry?: CelEnvOptions["registry"];
  /** The container that names resolve in (`namespace` in @bufbuild/cel). */
  readonly container?: string;
}

export interface CelValueProgram {
  readonly expression: string;
  /** The value of the expression over `input`; throws `CEL_FAILED` or `CEL_COST_EXCEEDED`. */
  run(input: Readonly<Record<string, CelInput>>, options?: EvaluateOptions): CelValue;
}

/** Parses, checks and plans `expression`; throws `CEL_INVALID` naming `where` and the reason. */
export function compileCelValue(
  expression: string,
  where: string,
  options: CelValueCompileOptions = {},
): CelValueProgram {
  const limits = resolveLimits(options.limits, where);
  if (expression.length > limits.maxExpressionLength) {
    throw celCodedError(
      "CEL_INVALID",
      `${where}: the expression is ${expression.length} characters long, over the limit of ${limits.maxExpressionLength}`,
    );
  }
  const parsed = parseExpression(expression, where);
  const tree = inspectTree(parsed.expr);
  if (tree.depth > limits.maxAstDepth) {
    throw celCodedError(
      "CEL_INVALID",
      `${where}: the expression nests ${tree.depth} levels deep, over the limit of ${limits.maxAstDepth}`,
    );
  }
  meterIterations(tree.comprehensions, tree.maxId);
  const env = meteredEnv({
    funcs: [...strings, ...(options.functions ?? [])],
    registry: options.registry,
    namespace: options.container,
  });
  const planned = planExpression(env, parsed, where);
  return {
    expression,
    run(input, evaluation = {}) {
      const costLimit = evaluation.costLimit ?? limits.costLimit;
      checkBound("costLimit", costLimit, where);
      const meter = new CostMeter(costLimit, evaluation.budget);
      const result = meter.measure(() => planned(input));
      if (meter.failure instanceof CostExceeded) {
        throw celCodedError("CEL_COST_EXCEEDED", `${where}: ${meter.failure.message}`);
      }
      if (meter.failure !== undefined) throw meter.failure;
      if (isCelError(result))
        throw celCodedError("CEL_FAILED", `${where}: ${result.message}`, result);
      return result;
    },
  };
}

function planExpression(
  env: ReturnType<typeof meteredEnv>,
  parsed: ReturnType<typeof parse>,
  where: string,
): (input: Readonly<Record<string, CelInput>>) => CelResult {
  try {
    return plan(env, parsed);
  } catch (err) {
    throw celCodedError("CEL_INVALID", `${where}: ${reasonOf(err)}`, err);
  }
}

function parseExpression(expression: string, where: string): ReturnType<typeof parse> {
  try {
    return parse(expression);
  } catch (err) {
    // The parser recurses once per nesting level: a RangeError is a stack it overflowed.
    const reason =
      err instanceof RangeError ? "the expression nests too deeply to parse" : reasonOf(err);
    throw celCodedError("CEL_INVALID", `${where}: ${reason}`, err);
  }
}
