/** Kyverno conditions (`preconditions`, attestation `conditions`, `validate.deny`). */

export const CONDITION_OPERATORS = [
  "Equals",
  "NotEquals",
  "In",
  "AnyIn",
  "AllIn",
  "NotIn",
  "AnyNotIn",
  "AllNotIn",
  "GreaterThan",
  "GreaterThanOrEquals",
  "LessThan",
  "LessThanOrEquals",
  "DurationGreaterThan",
  "DurationGreaterThanOrEquals",
  "DurationLessThan",
  "DurationLessThanOrEquals",
] as const;

export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export interface Condition {
  /** The field path of the condition in its document, for messages. */
  readonly path: string;
  /** Any JSON value; strings may hold `{{ }}` variables. */
  readonly key: unknown;
  readonly operator: ConditionOperator;
  readonly value: unknown;
  readonly message: string | undefined;
}

/** `any` holds when one of its conditions holds, `all` when each does; an absent block holds. */
export interface AnyAllConditions {
  readonly any: readonly Condition[] | undefined;
  readonly all: readonly Condition[] | undefined;
}

/** A list of blocks that must all hold (attestation `conditions`). */
export type Conditions = readonly AnyAllConditions[];
