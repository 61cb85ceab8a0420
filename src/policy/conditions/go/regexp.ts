import { compileGoRegExp, type GoRegExp } from "../../../verify/go-regexp.ts";
import { policyError } from "../../errors.ts";

/**
 * A pattern given to one of Kyverno's regex functions, compiled with Go's
 * semantics in linear time; an invalid or oversized one is the function's
 * coded error.
 */

const MAX_PATTERN = 4096;

export function goRegExp(fnName: string, pattern: string): GoRegExp {
  if (pattern.length > MAX_PATTERN) {
    throw policyError(
      "LIMIT_EXCEEDED",
      `${fnName}(): pattern longer than ${MAX_PATTERN} characters`,
    );
  }
  try {
    return compileGoRegExp(pattern);
  } catch (err) {
    throw policyError(
      "JMESPATH_FAILED",
      `${fnName}(): invalid regular expression "${pattern}"`,
      err,
    );
  }
}
