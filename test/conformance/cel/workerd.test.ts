import { afterEach, expect, test } from "vitest";
import { compileCel } from "../../../src/policy/cel/evaluate.ts";
import { formatCelReport, PASS_FLOOR, runCelConformance, totalsOf } from "./suite.ts";

// The test pool puts a Function of its own on globalThis (its module runner
// needs one); the Worker's own, which refuses strings, is still the intrinsic.
const poolFunction = globalThis.Function;
const workerFunction = Object.getPrototypeOf(() => {}).constructor as FunctionConstructor;

function asInTheWorker(): void {
  globalThis.Function = workerFunction;
}

afterEach(() => {
  globalThis.Function = poolFunction;
});

test("workerd refuses code generation from strings, and CEL with RE2 runs without it", () => {
  asInTheWorker();
  expect(() => new Function("return 1")).toThrow(EvalError);
  expect(() => globalThis.eval("1")).toThrow(EvalError);
  const matches = compileCel("digest.matches('^sha256:[0-9a-f]{4}$')", "re2 check");
  expect(matches.evaluate({ digest: "sha256:ab12" })).toBe(true);
});

test("cel-spec conformance keeps at least PASS_FLOOR passing tests in workerd", () => {
  asInTheWorker();
  const outcomes = runCelConformance();
  globalThis.Function = poolFunction;
  console.log(formatCelReport(outcomes, "workerd"));
  expect(totalsOf(outcomes).passed).toBeGreaterThanOrEqual(PASS_FLOOR);
});
