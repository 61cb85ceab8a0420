import { celCodedError } from "./errors.ts";

/**
 * Bounds on one CEL expression. Kubernetes bounds CEL the same two ways: at
 * compile time (size) and per evaluation (a runtime cost limit, 1,000,000
 * units per expression for ValidatingAdmissionPolicy and CRD rules).
 */
export interface CelLimits {
  /** Characters of source; longer expressions are refused when compiled. */
  readonly maxExpressionLength: number;
  /**
   * Depth of the parsed tree, macros expanded. The planner and the
   * interpreter recurse once per level and a JavaScript stack does not grow,
   * so a deeper tree could overflow it (250 is cel-go's parser recursion limit).
   */
  readonly maxAstDepth: number;
  /**
   * Cost units one evaluation may spend: 1 per comprehension iteration,
   * 1 per function or operator call plus 1 per 10 characters, bytes, list
   * elements or map entries the call reads or builds (cel-go's traversal
   * factor of 0.1). Runaways meet it within 0.6 s of interpretation here.
   */
  readonly costLimit: number;
}

export const DEFAULT_CEL_LIMITS: CelLimits = {
  maxExpressionLength: 10_000,
  maxAstDepth: 250,
  costLimit: 1_000_000,
};

/** `DEFAULT_CEL_LIMITS` overridden by `limits`; throws `CEL_INVALID` for a bound that is not a positive integer. */
export function resolveLimits(limits: Partial<CelLimits> | undefined, where: string): CelLimits {
  const resolved: CelLimits = {
    maxExpressionLength: limits?.maxExpressionLength ?? DEFAULT_CEL_LIMITS.maxExpressionLength,
    maxAstDepth: limits?.maxAstDepth ?? DEFAULT_CEL_LIMITS.maxAstDepth,
    costLimit: limits?.costLimit ?? DEFAULT_CEL_LIMITS.costLimit,
  };
  for (const [name, value] of Object.entries(resolved)) checkBound(name, value, where);
  return resolved;
}

/** Throws `CEL_INVALID` unless `value` is a positive integer. */
export function checkBound(name: string, value: number, where: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw celCodedError(
      "CEL_INVALID",
      `${where}: ${name} must be a positive integer, got ${value}`,
    );
  }
}
