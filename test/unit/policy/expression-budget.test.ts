import { describe, expect, it } from "vitest";
import { isImgverifyError } from "../../../src/errors.ts";
import { ExpressionBudget, evaluatePreconditions, jmesSearch } from "../../../src/policy/index.ts";

/** n^2 node visits over n pod-controlled entries: each entry re-projects all of them. */
const QUADRATIC =
  "length(map(&length($.request.object.spec.containers[0].env[].name), request.object.spec.containers[0].env))";

function podWithEnv(n: number): Record<string, unknown> {
  const env = Array.from({ length: n }, (_, i) => ({ name: `E${i}`, value: "x" }));
  return { request: { object: { spec: { containers: [{ env }] } } } };
}

function budgetCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isImgverifyError(err) ? err.code : "not an imgverify error";
  }
}

describe("expression budget", () => {
  it("lets an ordinary expression through and counts its steps", () => {
    const budget = new ExpressionBudget();
    const options = { now: 0, budget };
    const result = evaluatePreconditions(
      {
        all: [
          {
            path: "p",
            key: `{{ ${QUADRATIC} }}`,
            operator: "Equals",
            value: 50,
            message: undefined,
          },
        ],
        any: undefined,
      },
      podWithEnv(50),
      options,
    );
    expect(result.passed).toBe(true);
    expect(budget.steps).toBeGreaterThan(2_500);
    expect(budget.steps).toBeLessThan(20_000);
  });

  it("stops a quadratic expression over a large pod spec instead of running it to the end", () => {
    const started = performance.now();
    expect(budgetCode(() => jmesSearch(QUADRATIC, podWithEnv(6_000)))).toBe(
      "EXPRESSION_BUDGET_EXCEEDED",
    );
    // 36 million visits unmetered; the step cap stops it after about one million.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("is shared by every evaluation of one admission and stays spent", () => {
    const budget = new ExpressionBudget({ maxSteps: 30_000 });
    const run = () =>
      evaluatePreconditions(
        {
          all: [
            {
              path: "p",
              key: `{{ ${QUADRATIC} }}`,
              operator: "Equals",
              value: 100,
              message: undefined,
            },
          ],
          any: undefined,
        },
        podWithEnv(100),
        { now: 0, budget },
      );
    expect(run().passed).toBe(true);
    expect(run().passed).toBe(true);
    expect(budgetCode(run)).toBe("EXPRESSION_BUDGET_EXCEEDED");
    // Even a one-step expression is refused once the budget is spent.
    expect(
      budgetCode(() =>
        evaluatePreconditions(
          {
            all: [{ path: "p", key: "a", operator: "Equals", value: "a", message: undefined }],
            any: undefined,
          },
          {},
          { now: 0, budget },
        ),
      ),
    ).toBe("EXPRESSION_BUDGET_EXCEEDED");
  });

  it("charges wall-clock time spent inside evaluations only", () => {
    let clock = 0;
    const budget = new ExpressionBudget({ maxMs: 10 }, () => clock);
    const data = podWithEnv(10);
    const search = () =>
      evaluatePreconditions(
        {
          all: [
            {
              path: "p",
              key: `{{ ${QUADRATIC} }}`,
              operator: "Equals",
              value: 10,
              message: undefined,
            },
          ],
          any: undefined,
        },
        data,
        { now: 0, budget },
      );
    search();
    clock += 1_000; // time between evaluations (the registry, ConfigMaps) is not charged
    expect(search().passed).toBe(true);
    expect(budget.spentMs).toBe(0);
    const slow = new ExpressionBudget({ maxMs: 10 }, () => (clock += 20));
    expect(
      budgetCode(() =>
        evaluatePreconditions(
          {
            all: [
              { path: "p", key: "{{ request }}", operator: "Equals", value: 1, message: undefined },
            ],
            any: undefined,
          },
          data,
          { now: 0, budget: slow },
        ),
      ),
    ).toBe("EXPRESSION_BUDGET_EXCEEDED");
  });

  it("refuses limits that are not positive", () => {
    expect(budgetCode(() => new ExpressionBudget({ maxSteps: 0 }))).toBe("FIELD_INVALID");
    expect(budgetCode(() => new ExpressionBudget({ maxMs: Number.NaN }))).toBe("FIELD_INVALID");
  });
});
