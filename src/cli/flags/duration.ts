/**
 * Durations written the Go way (`time.ParseDuration`), as kubectl, cosign and
 * Kyverno users type them: `500ms`, `3s`, `1m30s`, `1.5h`. No sign: every
 * duration here is a wait or a lifetime.
 */
import { usageError } from "../errors.ts";

const unitMs: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign, as Go accepts
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const term = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** The longest wait any flag accepts; larger values are typos, not intentions. */
const MAX_DURATION_MS = 24 * 3_600_000;

/**
 * Milliseconds in `text`, or a usage error naming `flag`. Sub-millisecond
 * results round up to 1 ms so a positive duration never becomes "no wait".
 * With `allowZero` (a lifetime rather than a wait), "0" and "0s" mean none.
 */
export function parseDuration(
  text: string,
  flag: string,
  command?: string,
  options: { allowZero?: boolean } = {},
): number {
  const invalid = (why: string) =>
    usageError(`invalid duration "${text}" for ${flag}: ${why}`, command);
  if (options.allowZero && text === "0") return 0;
  if (text.length === 0 || text.length > 64) {
    throw invalid("expected a number with a unit (ns, us, ms, s, m, h), e.g. 3s, 500ms, 1m30s");
  }
  let total = 0;
  term.lastIndex = 0;
  while (term.lastIndex < text.length) {
    const match = term.exec(text);
    if (!match) {
      throw invalid("expected a number with a unit (ns, us, ms, s, m, h), e.g. 3s, 500ms, 1m30s");
    }
    total += Number(match[1]) * (unitMs[match[2] as string] as number);
  }
  if (total === 0 && options.allowZero) return 0;
  if (total <= 0) throw invalid("must be greater than zero");
  if (total > MAX_DURATION_MS) throw invalid("must be at most 24h");
  return Math.max(1, Math.round(total));
}
