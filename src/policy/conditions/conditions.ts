import { policyError } from "../errors.ts";
import { isMapping } from "../kyverno/reader.ts";
import type {
  AnyAllConditions,
  Condition,
  ConditionOperator,
  Conditions,
} from "./condition-types.ts";
import { chargeBudget, type ExpressionBudget, withBudget } from "./jmespath.ts";
import { applyOperator } from "./operators.ts";
import { passedBefore, rememberPass, trackPredicateReads } from "./predicate-passes.ts";
import { clockReadCount, withClock } from "./time-functions.ts";
import { substituteDeep, type Variables } from "./variables.ts";

/**
 * Inputs of an evaluation that must not come from the system: the current
 * time (ms since the epoch), and the expression budget of the admission
 * (shared by all its evaluations; without one, each expression is bounded alone).
 */
export interface EvaluationOptions {
  readonly now: number;
  readonly budget?: ExpressionBudget;
}

/** Runs `fn` (synchronous) with the options' clock and budget. */
export function withEvaluation<T>(options: EvaluationOptions, fn: () => T): T {
  return withBudget(options.budget, () => withClock(options.now, fn));
}

export interface ConditionFailure {
  readonly path: string;
  readonly message: string | undefined;
  /** The key after variable substitution. */
  readonly key: unknown;
  readonly operator: ConditionOperator;
}

export interface ConditionsResult {
  readonly passed: boolean;
  /** The conditions that made the result false (all of a failed `any`, the first false of `all`). */
  readonly failed: readonly ConditionFailure[];
}

function holds(c: Condition, data: Variables): { ok: boolean; failure: ConditionFailure } {
  const key = substituteDeep(c.key, data, `${c.path}.key`);
  const value = substituteDeep(c.value, data, `${c.path}.value`);
  chargeBudget(1);
  const ok = applyOperator(c.operator, key, value);
  return { ok, failure: { path: c.path, message: c.message, key, operator: c.operator } };
}

// Kyverno: `any` stops at the first true, `all` at the first false; both must hold.
function evaluateBlock(block: AnyAllConditions, data: Variables): ConditionsResult {
  const failed: ConditionFailure[] = [];
  if (block.any !== undefined) {
    const misses: ConditionFailure[] = [];
    const anyOk = block.any.some((c) => {
      const r = holds(c, data);
      if (!r.ok) misses.push(r.failure);
      return r.ok;
    });
    if (!anyOk) failed.push(...misses);
  }
  for (const c of block.all ?? []) {
    const r = holds(c, data);
    if (!r.ok) {
      failed.push(r.failure);
      break;
    }
  }
  return { passed: failed.length === 0, failed };
}

function evaluateBlocks(blocks: Conditions, data: Variables): ConditionsResult {
  for (const block of blocks) {
    const result = evaluateBlock(block, data);
    if (!result.passed) return result;
  }
  return { passed: true, failed: [] };
}

/** Kyverno's merge of an object into the rule data: mappings merge deeply, anything else is replaced. */
export function mergeData(base: Variables, overlay: Readonly<Record<string, unknown>>): Variables {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    const current = out[k];
    out[k] = isMapping(current) && isMapping(v) ? mergeData(current, v) : v;
  }
  return out;
}

/** The `predicate` of a decoded in-toto statement; throws when it is not an object, as Kyverno does. */
export function statementPredicate(statement: unknown): Readonly<Record<string, unknown>> {
  const predicate = isMapping(statement) ? statement.predicate : undefined;
  if (!isMapping(predicate))
    throw policyError("VARIABLE_UNRESOLVED", "the attestation statement has no predicate object");
  return predicate;
}

/**
 * Attestation `conditions`: Kyverno merges the statement's predicate into the
 * rule data (request, images, context entries) and evaluates there, so
 * `{{ builder.id }}` and `{{ request.namespace }}` both resolve. Substitution
 * or JMESPath errors are thrown (Kyverno fails the attestation on them).
 */
export function evaluateConditions(
  conditions: Conditions,
  predicate: Readonly<Record<string, unknown>>,
  variables: Variables,
  options: EvaluationOptions,
): ConditionsResult {
  if (passedBefore(conditions, predicate)) {
    // A spent budget fails this evaluation as it would have failed the first.
    options.budget?.charge(1);
    return PASSED;
  }
  const tracked = trackPredicateReads(mergeData(variables, predicate), predicate, variables);
  const clockReads = clockReadCount();
  const result = withEvaluation(options, () => evaluateBlocks(conditions, tracked.data));
  if (result.passed && !tracked.readBeyondPredicate() && clockReadCount() === clockReads) {
    rememberPass(conditions, predicate);
  }
  return result;
}

const PASSED: ConditionsResult = Object.freeze({ passed: true, failed: Object.freeze([]) });

/** A rule's `preconditions` over its data; absent preconditions pass. */
export function evaluatePreconditions(
  preconditions: AnyAllConditions | undefined,
  variables: Variables,
  options: EvaluationOptions,
): ConditionsResult {
  if (preconditions === undefined) return { passed: true, failed: [] };
  return withEvaluation(options, () => evaluateBlock(preconditions, variables));
}

/**
 * `verifyImages[].validate.deny`: the data must hold each named attestation's
 * predicate under its `name`. The image is refused when the conditions hold.
 */
export function evaluateDeny(
  validate: { readonly message: string | undefined; readonly deny: AnyAllConditions },
  variables: Variables,
  options: EvaluationOptions,
): { readonly denied: boolean; readonly message: string } {
  const { passed } = evaluatePreconditions(validate.deny, variables, options);
  return {
    denied: passed,
    message: passed ? (validate.message ?? "validate.deny conditions matched") : "",
  };
}
