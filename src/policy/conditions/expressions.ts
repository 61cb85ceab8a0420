import { getRegisteredFunctions } from "@jmespath-community/jmespath";
import { isImgverifyError } from "../../errors.ts";
import { childPath, type IssueSink, isMapping } from "../kyverno/reader.ts";
import { calledFunctions } from "./jmespath.ts";
import { registerKyvernoFunctions } from "./kyverno-functions.ts";

/**
 * Load-time check of the `{{ }}` expressions in a rule: each innermost
 * expression must parse, and every function it calls must exist here, so a
 * policy using a Kyverno function imgverify lacks is refused when loaded, not
 * when a Pod arrives.
 */

const INNERMOST = /\{\{-?((?:[^{}]|\{[^{}]*\})*)\}\}/g;

function checkString(
  text: string,
  path: string,
  sink: IssueSink,
  known: ReadonlySet<string>,
): void {
  for (const [, body = ""] of text.matchAll(INNERMOST)) {
    const expression = body.trim();
    // Expressions that still contain an inner variable are only complete after substitution.
    if (expression === "" || expression.includes("{{")) continue;
    try {
      for (const name of calledFunctions(expression)) {
        if (!known.has(name))
          sink(
            "UNSUPPORTED_FEATURE",
            path,
            `the JMESPath function ${name}() is not supported by imgverify`,
          );
      }
    } catch (err) {
      if (!isImgverifyError(err)) throw err;
      if (!/\{\{[^}]*$/.test(text)) sink("FIELD_INVALID", path, err.message);
    }
  }
}

export function checkExpressions(value: unknown, path: string, sink: IssueSink): void {
  registerKyvernoFunctions();
  const known = new Set(getRegisteredFunctions());
  const walk = (v: unknown, p: string): void => {
    if (typeof v === "string") checkString(v, p, sink, known);
    else if (Array.isArray(v)) v.forEach((item, i) => walk(item, childPath(p, i)));
    else if (isMapping(v)) for (const [k, item] of Object.entries(v)) walk(item, childPath(p, k));
  };
  walk(value, path);
}
