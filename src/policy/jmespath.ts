import { compile, type JSONValue, search } from "@jmespath-community/jmespath";
import { policyError } from "./errors.ts";
import { registerKyvernoFunctions } from "./kyverno-functions.ts";
import { isMapping } from "./reader.ts";

/**
 * JMESPath as Kyverno runs it: the community dialect plus Kyverno's custom
 * functions, and Kyverno's strictness about plain paths (`a.b.c` naming a key
 * that is not there is an error, not null).
 */

const MAX_EXPRESSION = 10_000;

interface Node {
  type: string;
  name?: string;
  left?: Node;
  right?: Node;
}

/** The keys of a plain `a.b.c` path, or undefined for any other expression. */
function plainPath(node: Node): string[] | undefined {
  if (node.type === "Field" && node.name !== undefined) return [node.name];
  if (node.type !== "Subexpression" || node.left === undefined || node.right === undefined)
    return undefined;
  const left = plainPath(node.left);
  const right = plainPath(node.right);
  return left && right && [...left, ...right];
}

function checkPath(keys: readonly string[], data: unknown, expression: string): void {
  let current = data;
  for (const key of keys) {
    if (!isMapping(current)) return;
    if (!(key in current)) {
      throw policyError(
        "VARIABLE_UNRESOLVED",
        `variable "${expression}": unknown key "${key}" in path`,
      );
    }
    current = current[key];
  }
}

/** Evaluates `expression` over `data`; parse and runtime failures are `JMESPATH_FAILED`. */
export function jmesSearch(expression: string, data: unknown): unknown {
  registerKyvernoFunctions();
  if (expression.length > MAX_EXPRESSION) {
    throw policyError(
      "LIMIT_EXCEEDED",
      `JMESPath expression longer than ${MAX_EXPRESSION} characters`,
    );
  }
  let ast: Node;
  try {
    ast = compile(expression) as Node;
  } catch (err) {
    throw policyError(
      "JMESPATH_FAILED",
      `invalid JMESPath "${expression}": ${(err as Error).message}`,
      err,
    );
  }
  const keys = plainPath(ast);
  if (keys !== undefined) checkPath(keys, data, expression);
  try {
    return search(data as JSONValue, expression);
  } catch (err) {
    throw policyError(
      "JMESPATH_FAILED",
      `JMESPath "${expression}" failed: ${(err as Error).message}`,
      err,
    );
  }
}

/** The names of the functions `expression` calls; throws `JMESPATH_FAILED` when it does not parse. */
export function calledFunctions(expression: string): string[] {
  let ast: unknown;
  try {
    ast = compile(expression);
  } catch (err) {
    throw policyError(
      "JMESPATH_FAILED",
      `invalid JMESPath "${expression}": ${(err as Error).message}`,
      err,
    );
  }
  const names: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isMapping(node) && node.type !== "Literal") {
      if (node.type === "Function" && typeof node.name === "string") names.push(node.name);
      Object.values(node).forEach(walk);
    }
  };
  walk(ast);
  return names;
}
