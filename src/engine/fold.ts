/**
 * How the settled leaves of one unit become its verdict, Kyverno's way:
 * every attestor set must have `count` entries verified (all by default),
 * then every attestation must be verified by its sets with each verified
 * statement meeting its conditions, then `validate.deny` must not hold.
 */
import { isOciError } from "../oci/errors.ts";
import {
  type EvaluationOptions,
  evaluateConditions,
  evaluateDeny,
  statementPredicate,
  type Variables,
} from "../policy/index.ts";
import type { ImageTarget, VerifiedAttestation, VerifiedSignature } from "./checks/index.ts";
import type { EntryPlan, Leaf, SetPlan, Settled, Unit } from "./plan.ts";
import { codeOf, judge, messageOf, type Problem, problemOf, type UnitVerdict } from "./problems.ts";

interface SetResult {
  ok: boolean;
  problems: Problem[];
  /** Verified attestations of the counted entries, for conditions and named predicates. */
  attestations: VerifiedAttestation[];
}

/** What a fold reads of a unit's run: by default, what the runner recorded on it. */
export interface UnitReading {
  readonly target: Settled<ImageTarget>;
  outcome(leaf: Leaf): Settled<readonly VerifiedSignature[]>;
}

const RECORDED = (unit: Unit): UnitReading => ({
  target: unit.target,
  outcome: (leaf) => leaf.outcome,
});

export function foldUnit(
  unit: Unit,
  options: EvaluationOptions,
  reading: UnitReading = RECORDED(unit),
): UnitVerdict {
  const image = unit.image.info.reference;
  if (unit.refused !== undefined) return { status: "fail", message: unit.refused };
  const { target } = reading;
  if (target.state === "pending") {
    const message = `timed out resolving ${image}`;
    return { status: "error", message, code: "DEADLINE_EXCEEDED", timedOut: true };
  }
  if (target.state === "failed") {
    const message = `failed to resolve ${image}: ${messageOf(target.error)}`;
    if (isOciError(target.error, "NOT_FOUND")) return { status: "fail", message };
    return { status: "error", message, code: codeOf(target.error) };
  }
  const digest = target.value.digest;
  const failed = (problems: Problem[]): UnitVerdict => ({ ...judge(unit, problems), digest });

  for (const set of unit.signatureSets) {
    const result = foldSet(set, reading, () => undefined);
    if (!result.ok) return failed(result.problems);
  }
  const named: Record<string, unknown> = {};
  for (const { attestation, sets } of unit.attestations) {
    for (const set of sets) {
      const result = foldSet(set, reading, (attestations, path) => {
        // Kyverno: every verified statement of the type must meet the conditions.
        for (const verified of attestations) {
          const problem = conditionProblem(unit, attestation.conditions, verified, path, options);
          if (problem !== undefined) return problem;
        }
        return undefined;
      });
      if (!result.ok) return failed(result.problems);
      const [first] = result.attestations;
      if (attestation.name !== undefined && first !== undefined && !(attestation.name in named)) {
        named[attestation.name] = safePredicate(first);
      }
    }
  }
  const { validate } = unit.verification;
  if (validate !== undefined) {
    try {
      const deny = evaluateDeny(validate, { ...unit.rule.data, ...named } as Variables, options);
      if (deny.denied) {
        return {
          status: "fail",
          message: `${unit.verification.path}.validate: ${deny.message}`,
          digest,
        };
      }
    } catch (err) {
      return {
        // A spent expression budget never admits, whatever the failurePolicy.
        status: codeOf(err) === "EXPRESSION_BUDGET_EXCEEDED" ? "fail" : "error",
        message: `${unit.verification.path}.validate: ${messageOf(err)}`,
        code: codeOf(err),
        digest,
      };
    }
  }
  return { status: "pass", message: `verified image ${image}@${digest}`, digest };
}

/**
 * Kyverno reads a set's entries in order and stops once `required` of them
 * verified: entries after that point do not count either way (so the
 * sequential runner need not check them). A failed condition before it
 * refuses the attestation.
 */
type Accept = (attestations: VerifiedAttestation[], path: string) => Problem | undefined;

function foldSet(set: SetPlan, reading: UnitReading, accept: Accept): SetResult {
  let verified = 0;
  const problems: Problem[] = [];
  const attestations: VerifiedAttestation[] = [];
  for (const entry of set.entries) {
    const outcome = foldEntry(entry, reading, accept);
    if (outcome.ok) {
      verified++;
      attestations.push(...outcome.attestations);
      if (verified >= set.required) return { ok: true, problems: [], attestations };
      continue;
    }
    problems.push(...outcome.problems);
    if (outcome.problems.some((p) => p.kind === "condition")) {
      return { ok: false, problems, attestations };
    }
  }
  if (problems.length === 0) {
    problems.push({
      kind: "fail",
      path: set.path,
      message: `${verified} of ${set.entries.length} attestors verified, ${set.required} required`,
    });
  }
  return { ok: false, problems, attestations };
}

function foldEntry(entry: EntryPlan, reading: UnitReading, accept: Accept): SetResult {
  if (entry.kind === "nested") return foldSet(entry.set, reading, accept);
  if (entry.kind === "invalid") {
    return { ok: false, problems: [problemOf(entry.path, entry.error)], attestations: [] };
  }
  const outcome = reading.outcome(entry.leaf);
  if (outcome.state === "pending") {
    const what = entry.leaf.evidence.kind === "signature" ? "signatures" : "attestations";
    return {
      ok: false,
      problems: [{ kind: "pending", path: entry.path, message: `${what} not checked in time` }],
      attestations: [],
    };
  }
  if (outcome.state === "failed") {
    return { ok: false, problems: [problemOf(entry.path, outcome.error)], attestations: [] };
  }
  const attestations = outcome.value.filter((v): v is VerifiedAttestation => "statement" in v);
  const refused = accept(attestations, entry.path);
  if (refused !== undefined) return { ok: false, problems: [refused], attestations: [] };
  return { ok: true, problems: [], attestations };
}

function conditionProblem(
  unit: Unit,
  conditions: Parameters<typeof evaluateConditions>[0],
  verified: VerifiedAttestation,
  path: string,
  options: EvaluationOptions,
): Problem | undefined {
  try {
    const predicate = statementPredicate(verified.statement);
    const result = evaluateConditions(conditions, predicate, unit.rule.data, options);
    if (result.passed) return undefined;
    const reasons = result.failed.map((f) => f.message ?? `${f.path} (${f.operator}) not met`);
    return {
      kind: "condition",
      path,
      message: `attestation checks failed for ${unit.image.info.reference} and predicate ${verified.predicateType}: ${reasons.join("; ")}`,
    };
  } catch (err) {
    return { kind: "condition", path, message: `attestation conditions: ${messageOf(err)}` };
  }
}

function safePredicate(verified: VerifiedAttestation): unknown {
  try {
    return statementPredicate(verified.statement);
  } catch {
    return undefined;
  }
}
