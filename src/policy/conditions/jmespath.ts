import { compile, type JSONValue, TreeInterpreter } from "@jmespath-community/jmespath";
import { isImgverifyError } from "../../errors.ts";
import { derivedValues } from "../../store/ttl-cache.ts";
import { type PolicyErrorCode, policyError } from "../errors.ts";
import { isMapping } from "../kyverno/reader.ts";
import { registerKyvernoFunctions } from "./kyverno-functions.ts";

/**
 * JMESPath as Kyverno runs it: the community dialect plus Kyverno's custom
 * functions, and Kyverno's strictness about plain paths (`a.b.c` naming a key
 * that is not there is an error, not null).
 */

const MAX_EXPRESSION = 10_000;

/** What one admission may spend on expressions: `{{ }}` variables, context entries, conditions. */
export interface ExpressionBudgetLimits {
  /** Wall-clock ms spent inside expression evaluation, summed over the admission. */
  readonly maxMs: number;
  /** JMESPath node visits plus the size of function results, summed over the admission. */
  readonly maxSteps: number;
}

/**
 * 250 ms is a fortieth of Kyverno's default 10 s webhook timeout: far above
 * what real policies spend (well under 1 ms per expression), yet it leaves
 * the rest of the timeout to the registry. The step cap is the deterministic
 * bound (and the only one on runtimes whose clock stands still while code
 * runs, like Workers): about 10^6 tree-interpreter steps, some 100-300 ms here.
 */
export const DEFAULT_EXPRESSION_BUDGET: ExpressionBudgetLimits = {
  maxMs: 250,
  maxSteps: 1_000_000,
};

/** Steps between two clock readings. */
const CLOCK_EVERY = 1024;

/**
 * The expression budget of one admission, shared by every evaluation made for
 * it. Once spent it stays spent: every later evaluation fails with
 * `EXPRESSION_BUDGET_EXCEEDED` too. Only time spent inside evaluations counts
 * (not time waiting for ConfigMaps or the registry).
 */
export class ExpressionBudget {
  readonly limits: ExpressionBudgetLimits;
  readonly #clock: () => number;
  #steps = 0;
  #spentMs = 0;
  /** Clock reading when the outermost evaluation in progress started. */
  #since: number | undefined;
  #exceeded: string | undefined;

  constructor(
    limits: Partial<ExpressionBudgetLimits> = {},
    clock: () => number = () => performance.now(),
  ) {
    this.limits = { ...DEFAULT_EXPRESSION_BUDGET, ...limits };
    const { maxMs, maxSteps } = this.limits;
    if (!(maxMs > 0) || !(maxSteps > 0)) {
      throw policyError(
        "FIELD_INVALID",
        `expression budget limits must be positive, got ${maxMs} ms and ${maxSteps} steps`,
      );
    }
    this.#clock = clock;
  }

  get steps(): number {
    return this.#steps;
  }

  /** Ms spent so far, including the evaluation in progress. */
  get spentMs(): number {
    return this.#spentMs + (this.#since === undefined ? 0 : this.#clock() - this.#since);
  }

  /** Runs `fn` (synchronous) charging its time to this budget. */
  run<T>(fn: () => T): T {
    if (this.#since !== undefined) return fn();
    this.#since = this.#clock();
    try {
      this.charge(0, true);
      return fn();
    } finally {
      this.#spentMs += this.#clock() - this.#since;
      this.#since = undefined;
    }
  }

  /**
   * Counts `steps`; throws `EXPRESSION_BUDGET_EXCEEDED` once a limit is
   * passed. The clock is read every `CLOCK_EVERY` steps, or now with `readClock`.
   */
  charge(steps: number, readClock = false): void {
    if (this.#exceeded === undefined) {
      const before = this.#steps;
      this.#steps += steps;
      if (this.#steps > this.limits.maxSteps) {
        this.#exceeded = `more than ${this.limits.maxSteps} evaluation steps`;
      } else if (
        readClock ||
        Math.floor(before / CLOCK_EVERY) !== Math.floor(this.#steps / CLOCK_EVERY)
      ) {
        if (this.spentMs > this.limits.maxMs)
          this.#exceeded = `more than ${this.limits.maxMs} ms of evaluation`;
      }
    }
    if (this.#exceeded !== undefined) {
      throw policyError(
        "EXPRESSION_BUDGET_EXCEEDED",
        `the admission's expressions took ${this.#exceeded}`,
      );
    }
  }
}

/** The budget of the evaluation in progress (evaluation is synchronous, so one at a time). */
let active: ExpressionBudget | undefined;

/**
 * Runs `fn` (synchronous) with `budget` metering every expression it
 * evaluates. Without a budget, each top-level `jmesSearch` gets a fresh
 * default one of its own, so nothing is unbounded.
 */
export function withBudget<T>(budget: ExpressionBudget | undefined, fn: () => T): T {
  if (budget === undefined) return fn();
  const previous = active;
  active = budget;
  try {
    return budget.run(fn);
  } finally {
    active = previous;
  }
}

/** Charges `steps` to the budget in progress (for work done outside JMESPath, like operators). */
export function chargeBudget(steps: number): void {
  active?.charge(steps);
}

/** A rough cost of producing `value`: how many items or kilobytes it holds. */
function sizeOf(value: unknown): number {
  if (typeof value === "string") return value.length >> 10;
  if (Array.isArray(value)) return value.length;
  if (isMapping(value)) return Object.keys(value).length;
  return 0;
}

interface Visitor {
  visit(node: Node, value: unknown): unknown;
}
interface FunctionRuntime {
  _functionTable: Record<string, unknown>;
  callFunction(name: string, args: unknown[]): unknown;
}

let hooked = false;

/**
 * Two hooks in the library's interpreter (shared by every interpreter it
 * makes, `let` scopes included): a field or function name only ever reads an
 * own property (the library reads `value[name]`, so `constructor`,
 * `__proto__` or `toString` reached Object.prototype), and every node visit
 * and function result is charged to the budget in progress.
 */
function hookInterpreter(): void {
  if (hooked) return;
  hooked = true;
  const interpreter = Object.getPrototypeOf(TreeInterpreter) as Visitor;
  const visit = interpreter.visit;
  interpreter.visit = function (this: Visitor, node: Node, value: unknown): unknown {
    active?.charge(1);
    if (
      node.type === "Field" &&
      node.name !== undefined &&
      isMapping(value) &&
      !Object.hasOwn(value, node.name)
    )
      return null;
    return visit.call(this, node, value);
  };
  const runtime = Object.getPrototypeOf(TreeInterpreter.runtime) as FunctionRuntime;
  const call = runtime.callFunction;
  runtime.callFunction = function (this: FunctionRuntime, name: string, args: unknown[]): unknown {
    if (!Object.hasOwn(this._functionTable, name)) throw new Error(`Unknown function: ${name}()`);
    const result = call.call(this, name, args);
    active?.charge(sizeOf(result));
    return result;
  };
}

interface Node {
  type: string;
  name?: string;
  left?: Node;
  right?: Node;
}

/** The keys of a plain `a.b.c` path, or undefined for any other expression. */
function plainPath(node: Node): string[] | undefined {
  if (node.type === "Field" && node.name !== undefined) return [node.name];
  if (node.type !== "Subexpression" || node.left === undefined || node.right === undefined)
    return undefined;
  const left = plainPath(node.left);
  const right = plainPath(node.right);
  return left && right && [...left, ...right];
}

function checkPath(keys: readonly string[], data: unknown, expression: string): void {
  let current = data;
  for (const key of keys) {
    if (!isMapping(current)) return;
    if (!Object.hasOwn(current, key)) {
      throw policyError(
        "VARIABLE_UNRESOLVED",
        `variable "${expression}": unknown key "${key}" in path`,
      );
    }
    current = current[key];
  }
}

/** Evaluates `expression` over `data`; parse and runtime failures are `JMESPATH_FAILED`. */
export function jmesSearch(expression: string, data: unknown): unknown {
  if (active === undefined)
    return withBudget(new ExpressionBudget(), () => evaluate(expression, data));
  return evaluate(expression, data);
}

function isBudgetError(err: unknown): boolean {
  return isImgverifyError<PolicyErrorCode>(err) && err.code === "EXPRESSION_BUDGET_EXCEEDED";
}

function evaluate(expression: string, data: unknown): unknown {
  registerKyvernoFunctions();
  hookInterpreter();
  active?.charge(1, true);
  if (expression.length > MAX_EXPRESSION) {
    throw policyError(
      "LIMIT_EXCEEDED",
      `JMESPath expression longer than ${MAX_EXPRESSION} characters`,
    );
  }
  const ast = compiled(expression);
  const keys = plainPath(ast as Node);
  if (keys !== undefined) checkPath(keys, data, expression);
  try {
    return TreeInterpreter.search(ast, data as JSONValue);
  } catch (err) {
    if (isBudgetError(err)) throw err;
    throw policyError(
      "JMESPATH_FAILED",
      `JMESPath "${expression}" failed: ${(err as Error).message}`,
      err,
    );
  }
}

/** The names of the functions `expression` calls; throws `JMESPATH_FAILED` when it does not parse. */
export function calledFunctions(expression: string): string[] {
  const ast: unknown = compiled(expression);
  const names: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isMapping(node) && node.type !== "Literal") {
      if (node.type === "Function" && typeof node.name === "string") names.push(node.name);
      Object.values(node).forEach(walk);
    }
  };
  walk(ast);
  return names;
}

/**
 * Expressions compiled before, by their text: a policy's conditions and
 * variables are evaluated on every admission, and parsing costs more than
 * evaluating most of them. The interpreter only reads a tree. An expression
 * that does not compile throws each time; nothing is kept for it.
 */
type Compiled = ReturnType<typeof compile>;

const compiledExpressions = derivedValues<Compiled>(1024, 4 * 1024 * 1024);

function compiled(expression: string): Compiled {
  const known = compiledExpressions.get(expression);
  if (known !== undefined) return known;
  let ast: Compiled;
  try {
    ast = compile(expression);
  } catch (err) {
    throw policyError(
      "JMESPATH_FAILED",
      `invalid JMESPath "${expression}": ${(err as Error).message}`,
      err,
    );
  }
  compiledExpressions.set(expression, ast);
  return ast;
}
