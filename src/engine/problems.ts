/**
 * Why the entries of a unit did not count, and the verdict they add up to:
 * a failed condition refuses the image outright; a check cut short by the
 * deadline or a question the registry did not answer is an error (decided
 * by the failurePolicy); missing evidence and anything else is a failure
 * (`required` does not change this verdict).
 */
import { isImgverifyError } from "../errors.ts";
import { isEnvironmentFault, isPolicyFault } from "./checks/index.ts";
import type { Unit } from "./plan.ts";

export type UnitStatus = "pass" | "fail" | "error" | "skip";

export interface UnitVerdict {
  status: UnitStatus;
  message: string;
  /** The digest verified, when the image resolved. */
  digest?: string;
  /** The error code behind an `error`. */
  code?: string;
  /** Whether the deadline cut the unit short. */
  timedOut?: boolean;
}

/** No evidence, evidence refused, a question not answered, not answered in time, a condition not met. */
export type ProblemKind = "missing" | "fail" | "error" | "pending" | "condition";

export interface Problem {
  kind: ProblemKind;
  path: string;
  message: string;
  code?: string;
}

const MISSING_CODES: readonly string[] = ["NO_SIGNATURES", "NO_ATTESTATIONS"];
const LISTED_PROBLEMS = 3;

export function problemOf(path: string, error: unknown): Problem {
  const code = codeOf(error);
  const kind: ProblemKind = MISSING_CODES.includes(code)
    ? "missing"
    : isPolicyFault(error) || isEnvironmentFault(error) || code === "UNSUPPORTED_ATTESTOR"
      ? "error"
      : "fail";
  return { kind, path, message: messageOf(error), code };
}

/** The verdict of the problems that kept a unit from passing. */
export function judge(unit: Unit, problems: readonly Problem[]): UnitVerdict {
  const image = unit.image.info.reference;
  const of = (kind: ProblemKind): Problem[] => problems.filter((p) => p.kind === kind);
  const listed = (picked: Problem[]): string => {
    const text = picked.slice(0, LISTED_PROBLEMS).map((p) => `${p.path}: ${p.message}`);
    if (picked.length > LISTED_PROBLEMS) text.push(`and ${picked.length - LISTED_PROBLEMS} more`);
    return text.join("; ");
  };
  const conditions = of("condition");
  if (conditions.length > 0) {
    return { status: "fail", message: `failed to verify image ${image}: ${listed(conditions)}` };
  }
  const pending = of("pending");
  if (pending.length > 0) {
    return {
      status: "error",
      message: `timed out verifying image ${image}: ${listed(pending)}`,
      code: "DEADLINE_EXCEEDED",
      timedOut: true,
    };
  }
  const errors = of("error");
  if (errors.length > 0) {
    return {
      status: "error",
      message: `failed to verify image ${image}: ${listed(errors)}`,
      code: errors[0]?.code ?? "INTERNAL",
    };
  }
  return {
    status: "fail",
    message: `failed to verify image ${image}: ${listed([...of("fail"), ...of("missing")])}`,
  };
}

export function codeOf(error: unknown): string {
  return isImgverifyError(error) ? error.code : "INTERNAL";
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
