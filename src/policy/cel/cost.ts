/**
 * The runtime cost of a CEL evaluation, counted much as cel-go counts it for
 * Kubernetes (1 per call and per comprehension iteration, plus the sizes
 * handled), and
 * enforced from inside the interpreter. @bufbuild/cel has no cost hook, but
 * every call it makes goes through the function groups of its environment,
 * so the environment handed to `plan` finds metered groups; and each
 * comprehension's loop condition is wrapped in a call to a metered identity
 * function, so that an iteration costs even when its body calls nothing.
 * A spent meter throws from the group, outside the function bodies whose
 * errors CEL turns into values, so `||` or `&&` cannot absorb it and the
 * evaluation unwinds at once.
 */
import {
  type CelEnv,
  CelScalar,
  type CelValue,
  celEnv,
  celFunc,
  isCelList,
  isCelMap,
} from "@bufbuild/cel";
import type { Comprehension, Expr } from "./tree.ts";

/** A budget shared by several evaluations, e.g. one admission's; `charge` throws once it is spent. */
export interface CelCostBudget {
  charge(cost: number): void;
}

type FuncResolver = CelEnv["funcs"];
type FuncGroup = NonNullable<ReturnType<FuncResolver["find"]>>;
type CelEnvOptions = NonNullable<Parameters<typeof celEnv>[0]>;

/** Cost units per character, byte, element or entry a call reads or builds, as a divisor. */
const ITEMS_PER_UNIT = 10;

const ITERATION_FUNCTION = "@imgverify_iteration";

export class CostExceeded extends Error {
  constructor(readonly limit: number) {
    super(`the evaluation spent more than its cost limit of ${limit} units`);
    this.name = "CostExceeded";
  }
}

/** What one evaluation has spent; stays spent once it is over (its `failure` is set). */
export class CostMeter {
  readonly limit: number;
  readonly #budget: CelCostBudget | undefined;
  #spent = 0;
  #failure: unknown;

  constructor(limit: number, budget?: CelCostBudget) {
    this.limit = limit;
    this.#budget = budget;
  }

  get spent(): number {
    return this.#spent;
  }

  /** Why the evaluation was stopped: a `CostExceeded`, or the shared budget's error. */
  get failure(): unknown {
    return this.#failure;
  }

  charge(cost: number): void {
    if (this.#failure === undefined) {
      this.#spent += cost;
      if (this.#spent > this.limit) this.#failure = new CostExceeded(this.limit);
      else {
        try {
          this.#budget?.charge(cost);
        } catch (err) {
          this.#failure = err;
        }
      }
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Runs `evaluate` (synchronous) with this meter charged by every metered call it makes. */
  measure<T>(evaluate: () => T): T {
    const outer = active;
    active = this;
    try {
      return evaluate();
    } finally {
      active = outer;
    }
  }
}

/** The meter of the evaluation in progress (evaluation is synchronous: one at a time, nested at most). */
let active: CostMeter | undefined;

/** An environment like `celEnv(options)` whose every function and operator charges the active meter. */
export function meteredEnv(options: CelEnvOptions): CelEnv {
  const iteration = celFunc(ITERATION_FUNCTION, [CelScalar.DYN], CelScalar.DYN, (value) => value);
  const env = celEnv({ ...options, funcs: [...(options.funcs ?? []), iteration] });
  const funcs: FuncResolver = Object.create(env.funcs, {
    find: { value: (name: string) => meteredGroup(env.funcs.find(name)) },
  });
  return Object.create(env, { funcs: { value: funcs } });
}

function meteredGroup(group: FuncGroup | undefined): FuncGroup | undefined {
  if (group === undefined) return undefined;
  return Object.create(group, {
    call: {
      value(id: number, target: CelValue | undefined, args: CelValue[]) {
        let read = target === undefined ? 0 : sizeOf(target);
        for (const arg of args) read += sizeOf(arg);
        const work = Math.max(read, group.name === "replace" ? replaceWork(target, args) : 0);
        active?.charge(1 + Math.ceil(work / ITEMS_PER_UNIT));
        const result = group.call(id, target, args);
        const built = result === undefined ? 0 : sizeOf(result);
        if (built > work) active?.charge(Math.ceil((built - work) / ITEMS_PER_UNIT));
        return result;
      },
    },
  });
}

/**
 * Characters `target.replace(pattern, replacement[, count])` copies: the
 * strings extension rebuilds the whole string once per occurrence, so the
 * work grows with occurrences times length, not with the length alone.
 */
function replaceWork(target: CelValue | undefined, args: CelValue[]): number {
  const [pattern, replacement, count] = args;
  if (
    typeof target !== "string" ||
    typeof pattern !== "string" ||
    typeof replacement !== "string"
  ) {
    return 0;
  }
  const most = typeof count === "bigint" ? Math.max(0, Number(count)) : target.length;
  let occurrences = 0;
  if (pattern === "") occurrences = Math.min(most, target.length + 1);
  else {
    for (let at = target.indexOf(pattern); at !== -1 && occurrences < most; occurrences++) {
      at = target.indexOf(pattern, at + pattern.length);
    }
  }
  const longest = target.length + occurrences * Math.max(0, replacement.length - pattern.length);
  return occurrences * longest;
}

function sizeOf(value: unknown): number {
  if (typeof value === "string" || value instanceof Uint8Array) return value.length;
  if (isCelList(value) || isCelMap(value)) return value.size;
  return 0;
}

/** Makes each iteration of `comprehensions` call the metered identity function on its loop condition. */
export function meterIterations(comprehensions: readonly Comprehension[], maxId: bigint): void {
  let id = maxId;
  for (const comprehension of comprehensions) {
    const condition = comprehension.loopCondition;
    if (condition === undefined) continue;
    id += 1n;
    comprehension.loopCondition = iterationCall(id, condition);
  }
}

function iterationCall(id: bigint, condition: Expr): Expr {
  return {
    $typeName: "cel.expr.Expr",
    id,
    exprKind: {
      case: "callExpr",
      value: { $typeName: "cel.expr.Expr.Call", function: ITERATION_FUNCTION, args: [condition] },
    },
  };
}
