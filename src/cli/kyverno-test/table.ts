/** The `kyverno test` table: one line per expected result, with its outcome. */
import type { Row } from "./outcomes.ts";

const HEADER = ["ID", "POLICY", "RULE", "RESOURCE", "RESULT", "REASON"] as const;
/** A reason is one line of the table; the rest is in --json. */
const MAX_REASON = 160;

export function renderTable(rows: readonly Row[]): string {
  const cells = rows.map((row, i) => [
    String(i + 1),
    row.policy,
    row.rule,
    row.resource,
    row.passed ? "Pass" : "Fail",
    row.reason.length > MAX_REASON ? `${row.reason.slice(0, MAX_REASON)}...` : row.reason,
  ]);
  const widths = HEADER.map((title, c) =>
    Math.max(title.length, ...cells.map((line) => line[c]?.length ?? 0)),
  );
  const line = (values: readonly string[]) =>
    `│ ${values.map((v, c) => v.padEnd(widths[c] ?? 0)).join(" │ ")} │`;
  const rule = `│${widths.map((w) => "─".repeat(w + 2)).join("│")}│`;
  return [rule, line(HEADER), rule, ...cells.map(line), rule].join("\n");
}
