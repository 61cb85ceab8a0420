import { describe, expect, it } from "vitest";
import {
  type AnyAllConditions,
  type Condition,
  ExpressionBudget,
  evaluateConditions,
} from "../../../src/policy/index.ts";

const now = Date.parse("2024-01-01T00:00:00Z");

function all(...conditions: [unknown, Condition["operator"], unknown][]): AnyAllConditions[] {
  return [
    {
      any: undefined,
      all: conditions.map(([key, operator, value]) => ({
        path: `c.${String(key)}`,
        key,
        operator,
        value,
        message: undefined,
      })),
    },
  ];
}

/** Steps one evaluation charges to a fresh budget: 0 when it was answered from the remembered passes. */
function stepsOf(
  conditions: AnyAllConditions[],
  predicate: Record<string, unknown>,
  variables: Record<string, unknown>,
  at = now,
): { passed: boolean; steps: number } {
  const budget = new ExpressionBudget();
  const { passed } = evaluateConditions(conditions, predicate, variables, { now: at, budget });
  return { passed, steps: budget.steps };
}

describe("remembered condition passes", () => {
  it("a pass that read only the predicate is not evaluated again for the same objects", () => {
    const conditions = all(
      ["{{ builder.id }}", "Equals", "ci"],
      ["{{ length(runs) }}", "Equals", 2],
    );
    const predicate = { builder: { id: "ci" }, runs: [1, 2] };
    const first = stepsOf(conditions, predicate, { request: { namespace: "a" } });
    expect(first.passed).toBe(true);
    expect(first.steps).toBeGreaterThan(1);
    // Other rule data, which these conditions never read: the pass stands.
    expect(stepsOf(conditions, predicate, { request: { namespace: "b" } })).toEqual({
      passed: true,
      steps: 1,
    });
    // An equal predicate in another object is evaluated in full.
    expect(stepsOf(conditions, { ...predicate }, {}).steps).toBe(first.steps);
  });

  it("conditions that read the rule data are evaluated every time", () => {
    const conditions = all(["{{ request.namespace }}", "Equals", "prod"]);
    const predicate = { builder: { id: "ci" } };
    expect(stepsOf(conditions, predicate, { request: { namespace: "prod" } }).passed).toBe(true);
    expect(stepsOf(conditions, predicate, { request: { namespace: "dev" } }).passed).toBe(false);
  });

  it("a predicate key the rule data also holds depends on both: evaluated every time", () => {
    // Mappings of the same name merge, so what `scanner` holds depends on the rule data too.
    const conditions = all(["{{ scanner.mode }}", "Equals", "strict"]);
    const predicate = { scanner: { uri: "trivy" } };
    expect(stepsOf(conditions, predicate, { scanner: { mode: "strict" } }).passed).toBe(true);
    expect(stepsOf(conditions, predicate, { scanner: { mode: "lax" } }).passed).toBe(false);
  });

  it("conditions that read the clock are evaluated every time", () => {
    const conditions = all(["{{ time_before(time_now_utc(), expires) }}", "Equals", true]);
    const predicate = { expires: "2024-06-01T00:00:00Z" };
    expect(stepsOf(conditions, predicate, {}, now).passed).toBe(true);
    expect(stepsOf(conditions, predicate, {}, Date.parse("2025-01-01T00:00:00Z")).passed).toBe(
      false,
    );
  });

  it("listing the data's keys reads beyond the predicate", () => {
    const conditions = all(["{{ contains(keys(@), 'request') }}", "Equals", false]);
    const predicate = { builder: { id: "ci" } };
    expect(stepsOf(conditions, predicate, {}).passed).toBe(true);
    expect(stepsOf(conditions, predicate, { request: {} }).passed).toBe(false);
  });

  it("a failure is never remembered", () => {
    const conditions = all(["{{ builder.id }}", "Equals", "ci"]);
    const predicate = { builder: { id: "other" } };
    const first = stepsOf(conditions, predicate, {});
    expect(first.passed).toBe(false);
    expect(stepsOf(conditions, predicate, {})).toEqual(first);
  });

  it("a spent budget fails a remembered pass as it fails an evaluation", () => {
    const conditions = all(["{{ builder.id }}", "Equals", "ci"]);
    const predicate = { builder: { id: "ci" } };
    expect(stepsOf(conditions, predicate, {}).passed).toBe(true);
    const spent = new ExpressionBudget({ maxSteps: 1 });
    expect(() => spent.charge(2)).toThrow(/evaluation steps/);
    expect(() => evaluateConditions(conditions, predicate, {}, { now, budget: spent })).toThrow(
      /evaluation steps/,
    );
  });
});
