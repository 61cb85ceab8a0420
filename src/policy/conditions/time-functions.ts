import { policyError } from "../errors.ts";
import { EvaluationSlot } from "../evaluation-slot.ts";
import { formatGoDuration, formatRfc3339, parseGoDuration, parseRfc3339 } from "./go/time.ts";

/**
 * Kyverno's `time_*` JMESPath functions. Times are RFC 3339 strings; the
 * current time comes from the clock of the evaluation in progress, never from
 * the system, so results are reproducible.
 */

const clock = new EvaluationSlot<number>();
let clockReads = 0;

/** Runs `fn` (synchronous) with `now` (ms since the epoch) as the functions' current time. */
export function withClock<T>(now: number, fn: () => T): T {
  return clock.with(now, fn);
}

/** How many times an evaluation has read its clock so far: a result that read none does not depend on it. */
export function clockReadCount(): number {
  return clockReads;
}

function nowNanos(name: string): bigint {
  clockReads++;
  const now = clock.current;
  if (now === undefined)
    throw policyError("JMESPATH_FAILED", `${name}(): no clock for this evaluation`);
  return BigInt(Math.trunc(now)) * 1_000_000n;
}

// Go's reference layout for RFC 3339, the only layout these functions accept besides "".
const RFC3339_LAYOUT = "2006-01-02T15:04:05Z07:00";

function time(name: string, text: unknown, layout = ""): bigint {
  if (layout !== "" && layout !== RFC3339_LAYOUT) {
    throw policyError(
      "JMESPATH_FAILED",
      `${name}(): only the RFC 3339 layout is supported, not "${layout}"`,
    );
  }
  const nanos = typeof text === "string" ? parseRfc3339(text) : undefined;
  if (nanos === undefined)
    throw policyError("JMESPATH_FAILED", `${name}(): "${String(text)}" is not an RFC 3339 time`);
  return nanos;
}

function duration(name: string, text: unknown): bigint {
  const nanos = typeof text === "string" ? parseGoDuration(text) : undefined;
  if (nanos === undefined)
    throw policyError("JMESPATH_FAILED", `${name}(): "${String(text)}" is not a duration`);
  return nanos;
}

type Fn = (args: unknown[]) => unknown;

export const TIME_FUNCTIONS: Readonly<Record<string, { arity: number; fn: Fn }>> = {
  time_since: {
    arity: 3,
    fn: ([layout, t1, t2]) => {
      const l = String(layout ?? "");
      const end = t2 === "" ? nowNanos("time_since") : time("time_since", t2, l);
      return formatGoDuration(end - time("time_since", t1, l));
    },
  },
  time_now: { arity: 0, fn: () => formatRfc3339(nowNanos("time_now")) },
  time_now_utc: { arity: 0, fn: () => formatRfc3339(nowNanos("time_now_utc")) },
  time_add: {
    arity: 2,
    fn: ([t, d]) => formatRfc3339(time("time_add", t) + duration("time_add", d)),
  },
  time_utc: { arity: 1, fn: ([t]) => formatRfc3339(time("time_utc", t)) },
  time_diff: {
    arity: 2,
    fn: ([a, b]) => formatGoDuration(time("time_diff", b) - time("time_diff", a)),
  },
  time_before: { arity: 2, fn: ([a, b]) => time("time_before", a) < time("time_before", b) },
  time_after: { arity: 2, fn: ([a, b]) => time("time_after", a) > time("time_after", b) },
  time_between: {
    arity: 3,
    fn: ([t, start, end]) => {
      const x = time("time_between", t);
      return x > time("time_between", start) && x < time("time_between", end);
    },
  },
  time_truncate: {
    arity: 2,
    fn: ([t, d]) => {
      const x = time("time_truncate", t);
      const step = duration("time_truncate", d);
      return formatRfc3339(step <= 0n ? x : x - (((x % step) + step) % step));
    },
  },
};
