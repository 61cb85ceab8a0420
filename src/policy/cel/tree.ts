/**
 * The parsed tree of an expression as @bufbuild/cel's parser builds it
 * (cel.expr.Expr messages), walked without recursion so that measuring a
 * tree too deep to evaluate cannot overflow the stack itself.
 */
import type { parse } from "@bufbuild/cel";

export type Expr = ReturnType<typeof parse>["expr"];
export type Comprehension = Extract<Expr["exprKind"], { case: "comprehensionExpr" }>["value"];

export interface TreeShape {
  /** Levels from the root to the deepest leaf; a lone literal is 1. */
  readonly depth: number;
  /** Every comprehension (the expansion of all, exists, exists_one, map, filter). */
  readonly comprehensions: readonly Comprehension[];
  /** The largest node id, so that nodes added later can take fresh ones. */
  readonly maxId: bigint;
}

export function inspectTree(root: Expr): TreeShape {
  let depth = 0;
  let maxId = 0n;
  const comprehensions: Comprehension[] = [];
  const pending: [Expr, number][] = [[root, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [expr, level] = next;
    if (level > depth) depth = level;
    if (expr.id > maxId) maxId = expr.id;
    if (expr.exprKind.case === "comprehensionExpr") comprehensions.push(expr.exprKind.value);
    for (const child of childrenOf(expr)) pending.push([child, level + 1]);
  }
  return { depth, comprehensions, maxId };
}

function childrenOf(expr: Expr): Expr[] {
  const kind = expr.exprKind;
  switch (kind.case) {
    case "selectExpr":
      return present([kind.value.operand]);
    case "callExpr":
      return present([kind.value.target, ...kind.value.args]);
    case "listExpr":
      return kind.value.elements;
    case "structExpr":
      return present(
        kind.value.entries.flatMap((entry) => [
          entry.keyKind.case === "mapKey" ? entry.keyKind.value : undefined,
          entry.value,
        ]),
      );
    case "comprehensionExpr": {
      const { iterRange, accuInit, loopCondition, loopStep, result } = kind.value;
      return present([iterRange, accuInit, loopCondition, loopStep, result]);
    }
    default:
      return [];
  }
}

function present(exprs: (Expr | undefined)[]): Expr[] {
  return exprs.filter((expr): expr is Expr => expr !== undefined);
}
