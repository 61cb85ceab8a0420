import { describe, expect, it } from "vitest";
import { isImgverifyError } from "../../../../src/errors.ts";
import {
  type CelCostBudget,
  type CompileOptions,
  compileCel,
  DEFAULT_CEL_LIMITS,
} from "../../../../src/policy/cel/evaluate.ts";
import { ExpressionBudget } from "../../../../src/policy/index.ts";

const WHERE = "spec.validations[0].expression";
const HUNDRED = `[${Array.from({ length: 100 }, (_, i) => i).join(", ")}]`;
/** 10^7 iterations: seconds of interpretation without a limit, and the body calls nothing. */
const NESTED_ALL = `${HUNDRED}.all(x, ${HUNDRED}.all(y, ${HUNDRED}.all(z, [0,1,2,3,4,5,6,7,8,9].all(w, true))))`;
/** A string doubled 14 times: 16 million characters from one binding of 1000. */
const DOUBLING = `[s]${".map(a, a + a)".repeat(14)}[0].size()`;

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (err) {
    return isImgverifyError(err) ? err.code : `not an imgverify error: ${err}`;
  }
}

/** Sums what evaluations charge, to read their cost. */
function countingBudget(): CelCostBudget & { spent: number } {
  return {
    spent: 0,
    charge(cost) {
      this.spent += cost;
    },
  };
}

function costOf(expression: string, bindings: Record<string, unknown> = {}): number {
  const budget = countingBudget();
  compileCel(expression, WHERE).evaluate(bindings, { budget });
  return budget.spent;
}

describe("CEL cost limits: runaways", () => {
  const tight: CompileOptions = { limits: { costLimit: 20_000 } };

  it("stops nested comprehensions whose body calls nothing", () => {
    const started = performance.now();
    expect(codeOf(() => compileCel(NESTED_ALL, WHERE, tight).evaluate({}))).toBe(
      "CEL_COST_EXCEEDED",
    );
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("stops them at the default limit too, well before they would end", () => {
    const started = performance.now();
    expect(codeOf(() => compileCel(NESTED_ALL, WHERE).evaluate({}))).toBe("CEL_COST_EXCEEDED");
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("stops nested maps that build lists", () => {
    const expression = `${HUNDRED}.map(x, ${HUNDRED}.map(y, ${HUNDRED}.map(z, x + y + z))).size()`;
    expect(codeOf(() => compileCel(expression, WHERE, tight).evaluate({}))).toBe(
      "CEL_COST_EXCEEDED",
    );
  });

  it("stops a string doubled until it is megabytes long", () => {
    const s = "x".repeat(1_000);
    expect(codeOf(() => compileCel(DOUBLING, WHERE).evaluate({ s }))).toBe("CEL_COST_EXCEEDED");
  });

  it("charges replace() for the string it rebuilds at each occurrence", () => {
    // 100k occurrences in a 100k-character string: 10^10 characters copied.
    const s = "a".repeat(100_000);
    const started = performance.now();
    expect(codeOf(() => compileCel("s.replace('a', 'b')", WHERE).evaluate({ s }))).toBe(
      "CEL_COST_EXCEEDED",
    );
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("is not absorbed by || or &&, which absorb ordinary errors", () => {
    for (const expression of [`${NESTED_ALL} || true`, `false || ${NESTED_ALL} && true`]) {
      expect(
        codeOf(() => compileCel(expression, WHERE, tight).evaluate({})),
        expression,
      ).toBe("CEL_COST_EXCEEDED");
    }
    // The same shapes with an ordinary error do absorb it.
    expect(compileCel("1 / 0 == 1 || true", WHERE).evaluate({})).toBe(true);
  });

  it("names where the expression is and the limit", () => {
    try {
      compileCel(NESTED_ALL, WHERE, tight).evaluate({});
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toBe(
        `${WHERE}: the evaluation spent more than its cost limit of 20000 units`,
      );
    }
  });
});

describe("CEL cost limits: ordinary expressions", () => {
  const pod = {
    spec: {
      containers: Array.from({ length: 20 }, (_, i) => ({
        name: `c${i}`,
        image: `ghcr.io/acme/app-${i}:1.0`,
        env: Array.from({ length: 20 }, (_, j) => ({ name: `E${j}`, value: "v" })),
      })),
    },
  };

  it("cost a tiny share of the default limit, so real policies never meet it", () => {
    const cost = costOf(
      "object.spec.containers.all(c, c.image.startsWith('ghcr.io/') && c.env.all(e, e.name.size() < 64))",
      { object: pod },
    );
    expect(cost).toBeGreaterThan(400);
    expect(cost).toBeLessThan(DEFAULT_CEL_LIMITS.costLimit / 100);
  });

  it("cost one unit per iteration and per call, plus a tenth of the sizes handled", () => {
    expect(costOf("1")).toBe(0);
    expect(costOf("1 + 2")).toBe(1);
    expect(costOf("[1, 2, 3].all(x, true)")).toBe(3);
    expect(costOf("s + s", { s: "x".repeat(100) })).toBe(1 + 20);
  });

  it("take a per-evaluation limit in place of the compiled one", () => {
    const program = compileCel("[1, 2, 3, 4, 5].map(x, x * 2).size()", WHERE);
    expect(program.evaluate({})).toBe(5);
    expect(codeOf(() => program.evaluate({}, { costLimit: 5 }))).toBe("CEL_COST_EXCEEDED");
    expect(program.evaluate({})).toBe(5);
  });
});

describe("CEL cost limits: a budget shared by evaluations", () => {
  it("charges an admission's ExpressionBudget and throws its own error once it is spent", () => {
    // 200 units an evaluation: 100 iterations and 100 comparisons.
    const program = compileCel(`${HUNDRED}.all(x, x >= 0)`, WHERE);
    const budget = new ExpressionBudget({ maxSteps: 500 });
    expect(program.evaluate({}, { budget })).toBe(true);
    expect(program.evaluate({}, { budget })).toBe(true);
    expect(budget.steps).toBe(400);
    expect(codeOf(() => program.evaluate({}, { budget }))).toBe("EXPRESSION_BUDGET_EXCEEDED");
    // Spent stays spent: the next evaluation is refused at its first step.
    expect(codeOf(() => compileCel("1 + 1", WHERE).evaluate({}, { budget }))).toBe(
      "EXPRESSION_BUDGET_EXCEEDED",
    );
  });
});

describe("CEL compile-time limits", () => {
  it("refuses an expression longer than maxExpressionLength", () => {
    const long = `${"1 + ".repeat(30)}1`;
    expect(codeOf(() => compileCel(long, WHERE, { limits: { maxExpressionLength: 100 } }))).toBe(
      "CEL_INVALID",
    );
    expect(
      codeOf(() => compileCel(`'${"x".repeat(DEFAULT_CEL_LIMITS.maxExpressionLength)}'`, WHERE)),
    ).toBe("CEL_INVALID");
  });

  it("refuses a tree deeper than maxAstDepth, and evaluates one at the limit on this runtime", () => {
    const sum = (terms: number) => Array.from({ length: terms }, () => "1").join(" + ");
    const depth = DEFAULT_CEL_LIMITS.maxAstDepth;
    // n terms of a left-nested sum make a tree n levels deep.
    expect(compileCel(sum(depth), WHERE).evaluate({})).toBe(depth);
    expect(codeOf(() => compileCel(sum(depth + 1), WHERE))).toBe("CEL_INVALID");
  });

  it("refuses nesting too deep for the parser with CEL_INVALID, not a stack overflow", () => {
    const nested = `${"(".repeat(5_000)}1${")".repeat(5_000)}`;
    expect(
      codeOf(() => compileCel(nested, WHERE, { limits: { maxExpressionLength: 20_000 } })),
    ).toBe("CEL_INVALID");
  });

  it("refuses limits that are not positive integers", () => {
    for (const costLimit of [0, -1, Number.NaN, 1.5]) {
      expect(codeOf(() => compileCel("1", WHERE, { limits: { costLimit } }))).toBe("CEL_INVALID");
    }
    expect(codeOf(() => compileCel("1", WHERE).evaluate({}, { costLimit: 0 }))).toBe("CEL_INVALID");
  });
});
