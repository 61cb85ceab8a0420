/**
 * The CEL conformance tests that @bufbuild/cel-spec ships (cel-spec's simple
 * tests, v0.25.1), each compiled and evaluated through imgverify's CEL
 * program (src/policy/cel/program.ts: the same parse, limits, cost meter and
 * error mapping policies get), with the suite's protobuf types and container.
 * Runtime-neutral: the data are modules, so a Worker runs it as it is.
 *
 * Skipped, each for a reason that is not a bug: tests of the type checker's
 * deductions (`typedResult`, `checkOnly`), which @bufbuild/cel does not
 * export and policies here do not use.
 */
import type { CelValue } from "@bufbuild/cel";
import type { SimpleTest } from "@bufbuild/cel-spec/cel/expr/conformance/test/simple_pb.js";
import { getTestRegistry } from "@bufbuild/cel-spec/testdata/registry.js";
import {
  getConformanceSuite,
  type IncrementalTestSuite,
} from "@bufbuild/cel-spec/testdata/tests.js";
import type { Registry } from "@bufbuild/protobuf";
import { isImgverifyError } from "../../../src/errors.ts";
import { compileCelValue } from "../../../src/policy/cel/program.ts";
import { celInputOf, matchesValue } from "./values.ts";

/**
 * Passing tests the runs must keep: a drop below it fails the run. Raise it
 * when @bufbuild/cel gets better (the report prints the count).
 */
export const PASS_FLOOR = 1897;

export interface CelCaseOutcome {
  /** Section, subsection and test name. */
  readonly path: string;
  readonly verdict: "pass" | "fail" | "skip";
  /** Why it failed or was skipped. */
  readonly detail: string;
}

export function runCelConformance(): CelCaseOutcome[] {
  const registry = getTestRegistry();
  const outcomes: CelCaseOutcome[] = [];
  const visit = (suite: IncrementalTestSuite, prefix: string): void => {
    for (const child of suite.suites) visit(child, `${prefix}${child.name}/`);
    for (const { original } of suite.tests) {
      const path = `${prefix}${original.name}`;
      const skip = skipReason(original);
      if (skip !== undefined) outcomes.push({ path, verdict: "skip", detail: skip });
      else {
        const detail = failureOf(original, registry);
        outcomes.push({ path, verdict: detail === "" ? "pass" : "fail", detail });
      }
    }
  };
  for (const section of getConformanceSuite().suites) visit(section, `${section.name}/`);
  return outcomes;
}

function skipReason(test: SimpleTest): string | undefined {
  if (test.checkOnly || test.resultMatcher.case === "typedResult") {
    return "checks a type deduction; @bufbuild/cel exports no type checker";
  }
  return undefined;
}

/** "" when `test` has its expected outcome, else what happened instead. */
function failureOf(test: SimpleTest, registry: Registry): string {
  const expected = test.resultMatcher;
  let result: CelValue;
  try {
    const program = compileCelValue(test.expr, test.name, { registry, container: test.container });
    const input = Object.fromEntries(
      Object.entries(test.bindings).map(([name, binding]) => {
        if (binding.kind.case !== "value") throw new Error(`binding ${name}: ${binding.kind.case}`);
        return [name, celInputOf(binding.kind.value, registry)];
      }),
    );
    result = program.run(input);
  } catch (err) {
    const expectsError = expected.case === "evalError" || expected.case === "anyEvalErrors";
    if (expectsError && isImgverifyError(err, "CEL_FAILED")) return "";
    return isImgverifyError(err) ? `${err.code}: ${err.message}` : `crashed: ${err}`;
  }
  switch (expected.case) {
    case "value":
      return matchesValue(result, expected.value, registry) ? "" : `got ${describe(result)}`;
    case undefined:
      return result === true ? "" : `got ${describe(result)}, expected true`;
    default:
      return `got ${describe(result)}, expected ${expected.case}`;
  }
}

function describe(value: unknown): string {
  const text = typeof value === "bigint" ? `${value}n` : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Sections that test cel-go extension libraries @bufbuild/cel does not have
 * (math, optionals, bind, block, encoders, two-variable comprehensions, proto2
 * extensions); it has the strings one (string_ext). Reported apart, still run.
 */
const EXTENSION_SECTIONS = new Set([
  "bindings_ext",
  "block_ext",
  "encoders_ext",
  "macros2",
  "math_ext",
  "optionals",
  "proto2_ext",
]);

export interface CelConformanceTotals {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

export function totalsOf(outcomes: readonly CelCaseOutcome[]): CelConformanceTotals {
  const count = (verdict: CelCaseOutcome["verdict"]) =>
    outcomes.filter((o) => o.verdict === verdict).length;
  return { passed: count("pass"), failed: count("fail"), skipped: count("skip") };
}

function sectionOf(outcome: CelCaseOutcome): string {
  return outcome.path.slice(0, outcome.path.indexOf("/"));
}

/** Failures per section, then the pass counts (all, core language, extensions) and the floor. */
export function formatCelReport(
  outcomes: readonly CelCaseOutcome[],
  label: string,
  verbose = false,
): string {
  const failures = outcomes.filter((o) => o.verdict === "fail");
  const bySection = new Map<string, number>();
  for (const o of failures) bySection.set(sectionOf(o), (bySection.get(sectionOf(o)) ?? 0) + 1);
  const sections = [...bySection].map(([section, n]) => `${section} ${n}`).join(", ");
  const { passed, failed, skipped } = totalsOf(outcomes);
  const core = totalsOf(outcomes.filter((o) => !EXTENSION_SECTIONS.has(sectionOf(o))));
  const extensions = totalsOf(outcomes.filter((o) => EXTENSION_SECTIONS.has(sectionOf(o))));
  return [
    ...(verbose ? failures.map((o) => `  ${o.path}: ${o.detail}`) : []),
    ...(failed > 0 ? [`${label}: failing by section: ${sections}`] : []),
    `${label}: CEL conformance ${ratio(passed, failed)} passed; core language ` +
      `${ratio(core.passed, core.failed)}, extensions @bufbuild/cel lacks ` +
      `${ratio(extensions.passed, extensions.failed)}; ${skipped} skipped (type-checker tests); ` +
      `floor ${PASS_FLOOR}`,
  ].join("\n");
}

function ratio(passed: number, failed: number): string {
  const run = passed + failed;
  return `${passed} of ${run} (${((100 * passed) / Math.max(run, 1)).toFixed(1)}%)`;
}
