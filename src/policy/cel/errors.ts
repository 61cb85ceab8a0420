import { type CodedErrorFactory, codedError } from "../../errors.ts";

/**
 * `CEL_INVALID`: an expression that does not parse, or that is over the
 * compile-time limits (length, nesting). `CEL_FAILED`: one that errs when
 * evaluated. `CEL_COST_EXCEEDED`: an evaluation stopped because it spent
 * more than its cost limit (a runaway comprehension, a string built up to
 * megabytes); never a verdict to admit on.
 */
export type CelErrorCode = "CEL_INVALID" | "CEL_FAILED" | "CEL_COST_EXCEEDED";

export const celCodedError: CodedErrorFactory<CelErrorCode> = codedError;
