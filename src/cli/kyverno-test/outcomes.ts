/**
 * The rows of a `kyverno test` table: each expected (policy, rule, resource)
 * result against what the engine answered for that resource. A rule's
 * result over all its images is the worst of them, as Kyverno reports one
 * per rule: fail, then error, then pass, then skip.
 */
import type { ImageResult } from "../../engine/index.ts";
import type { ResourceRequest } from "../commands/apply-resources.ts";
import type { ExpectedResult, ExpectedStatus } from "./test-file.ts";

export interface Evaluated {
  readonly resource: ResourceRequest;
  readonly results: readonly ImageResult[];
}

/** What the engine said of one rule for one resource; `none` when the rule gave no result. */
export type ActualStatus = ExpectedStatus | "none";

export interface Row {
  readonly policy: string;
  readonly rule: string;
  /** `version/Kind/namespace/name`, or the name as the test wrote it when no resource has it. */
  readonly resource: string;
  readonly expected: ExpectedStatus;
  readonly actual: ActualStatus;
  readonly passed: boolean;
  readonly reason: string;
}

const WORST_FIRST: readonly ExpectedStatus[] = ["fail", "error", "pass", "skip"];

export function ruleStatus(results: readonly ImageResult[]): ActualStatus {
  return WORST_FIRST.find((status) => results.some((r) => r.status === status)) ?? "none";
}

function named(evaluated: Evaluated, written: string, kind: string | undefined): boolean {
  const { request } = evaluated.resource;
  if (kind !== undefined && request.kind.kind !== kind) return false;
  const slash = written.indexOf("/");
  if (slash < 0) return request.name === written;
  return request.namespace === written.slice(0, slash) && request.name === written.slice(slash + 1);
}

function resourceLabel({ request }: ResourceRequest): string {
  const group = request.kind.group === "" ? "" : `${request.kind.group}/`;
  return `${group}${request.kind.version}/${request.kind.kind}/${request.namespace}/${request.name}`;
}

/** One row per expected result and resource it names. */
export function compareResults(
  expected: readonly ExpectedResult[],
  evaluated: readonly Evaluated[],
): Row[] {
  return expected.flatMap((want) => {
    // A namespaced Policy is named `namespace/name` in tests; results carry its name.
    const policy = want.policy.slice(want.policy.lastIndexOf("/") + 1);
    return want.resources.map((written): Row => {
      const base = { policy: want.policy, rule: want.rule, expected: want.result };
      const found = evaluated.filter((e) => named(e, written, want.kind));
      if (found.length === 0) {
        return {
          ...base,
          resource: written,
          actual: "none",
          passed: false,
          reason: "resource not found",
        };
      }
      const results = found.flatMap((e) =>
        e.results.filter((r) => r.policy === policy && r.rule === want.rule),
      );
      const actual = ruleStatus(results);
      const passed = actual === want.result;
      const why = results.find((r) => r.status === actual && r.message !== "")?.message;
      const reason = passed
        ? "Ok"
        : `Want ${want.result}, got ${actual}${why === undefined ? "" : `: ${why}`}`;
      return {
        ...base,
        resource: resourceLabel(found[0]?.resource as ResourceRequest),
        actual,
        passed,
        reason,
      };
    });
  });
}
