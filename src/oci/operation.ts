import type { Clock } from "../deps.ts";
import { OciError, type OciErrorCode, type OciErrorDetails } from "./errors.ts";
import type { ByteBudget } from "./transport/budget.ts";

/** Why a timer is stopped once its operations end; nothing reads it. */
const OPERATION_ENDED = "operation ended";

/**
 * One public client call: what it does (for messages), the reference it
 * concerns, and its deadline as an `AbortSignal` that ends every request,
 * body read and back-off sleep made on its behalf.
 */

/** One HTTP exchange the client made (one per attempt and per redirect hop). */
export interface RequestEvent {
  method: string;
  /** Origin and path; the query is left out (signed storage URLs carry secrets). */
  url: string;
  /** Undefined when no response came (network failure, abort). */
  status: number | undefined;
}

export interface Operation {
  /** E.g. `resolving ghcr.io/a/b:v1`; every error message starts with it. */
  readonly step: string;
  /** Canonical reference the operation concerns. */
  readonly reference: string;
  readonly signal: AbortSignal;
  /** How long the operation may take, ms. */
  readonly timeoutMs: number;
  /** Clock time (ms) at which the operation times out. */
  readonly deadline: number;
  readonly clock: Clock;
  /** The admission's byte budget every body read is charged to. */
  readonly budget?: ByteBudget | undefined;
  observe(event: RequestEvent): void;
}

export interface OperationSetup {
  step: string;
  reference: string;
  timeoutMs: number;
  clock: Clock;
  observe(event: RequestEvent): void;
  signal?: AbortSignal | undefined;
  budget?: ByteBudget | undefined;
}

/** Why a shared timer aborts its operations; each names its own step (`asOciError`). */
class TimeRanOut extends Error {}

/** A timer that aborts `signal` at a deadline, shared by the operations due then. */
interface SharedTimer {
  readonly signal: AbortSignal;
  release(): void;
}

interface PendingTimer extends SharedTimer {
  /** Operations that have not released it. */
  users: number;
}

/** Pending shared timers by clock and deadline (clock ms). */
const timers = new WeakMap<Clock, Map<number, PendingTimer>>();

function pendingTimers(clock: Clock): Map<number, PendingTimer> {
  let pending = timers.get(clock);
  if (pending === undefined) {
    pending = new Map();
    timers.set(clock, pending);
  }
  return pending;
}

/**
 * The timer of every operation of `clock` that ends at `deadline`, `ms`
 * from now, until each has released it. A 50-image admission starts about
 * 350 operations within a few milliseconds; a timer and two controllers of
 * their own cost each of them more than the rest of its JavaScript.
 */
function shareTimer(clock: Clock, deadline: number, ms: number): SharedTimer {
  const pending = pendingTimers(clock);
  const known = pending.get(deadline);
  if (known !== undefined) {
    known.users++;
    return known;
  }
  const fire = new AbortController();
  const stop = new AbortController();
  const forget = (): void => {
    if (pending.get(deadline) === timer) pending.delete(deadline);
  };
  const timer: PendingTimer = {
    signal: fire.signal,
    users: 1,
    release(): void {
      if (--timer.users > 0) return;
      forget();
      // A fixed reason: a bare abort() builds a DOMException with a stack on every call.
      stop.abort(OPERATION_ENDED);
    },
  };
  pending.set(deadline, timer);
  clock.sleep(ms, stop.signal).then(
    () => {
      forget();
      fire.abort(new TimeRanOut("the operation's time ran out"));
    },
    () => {},
  );
  return timer;
}

/** Runs `body` as an operation; its failures come out as `OciError`s naming the step. */
export async function runOperation<T>(
  setup: OperationSetup,
  body: (op: Operation) => Promise<T>,
): Promise<T> {
  const { step, reference, timeoutMs, clock, signal } = setup;
  const deadline = clock.now() + timeoutMs;
  const timer = shareTimer(clock, deadline, timeoutMs);
  // A signal of its own, never the shared one: listeners added for one
  // operation stay on it. AbortSignal.any, not a listener on the caller's
  // signal: an admission's deadline signal is shared by hundreds of operations.
  const opSignal = AbortSignal.any(signal ? [signal, timer.signal] : [timer.signal]);
  const op: Operation = {
    step,
    reference,
    signal: opSignal,
    timeoutMs,
    deadline,
    clock,
    observe: setup.observe,
    budget: setup.budget,
  };
  try {
    if (op.signal.aborted) throw op.signal.reason;
    return await body(op);
  } catch (err) {
    throw asOciError(op, err);
  } finally {
    timer.release();
  }
}

/** An `OciError` whose message is `<step>: <detail>`. */
export function opError(
  op: Operation,
  code: OciErrorCode,
  detail: string,
  details: OciErrorDetails = {},
): OciError {
  return new OciError(code, `${op.step}: ${detail}`, { reference: op.reference, ...details });
}

/**
 * `err` as an `OciError`: the abort reason once the operation was aborted
 * (`TIMEOUT` or `ABORTED`), an `OciError` as is, anything else `NETWORK`.
 */
export function asOciError(op: Operation, err: unknown): OciError {
  if (err instanceof OciError && err.code !== "NETWORK") return err;
  // Its own time, or that of the operation whose load it joined.
  if (err instanceof TimeRanOut || (op.signal.aborted && op.signal.reason instanceof TimeRanOut)) {
    return opError(op, "TIMEOUT", `timed out after ${op.timeoutMs} ms`);
  }
  if (op.signal.aborted) {
    const reason: unknown = op.signal.reason;
    if (reason instanceof OciError) return reason;
    if (reason instanceof DOMException && reason.name === "TimeoutError") {
      return opError(op, "TIMEOUT", "the caller's deadline passed", { cause: reason });
    }
    return opError(op, "ABORTED", "aborted by the caller", { cause: reason });
  }
  if (err instanceof OciError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return opError(op, "NETWORK", message, { cause: err });
}

/** `promise`, or a rejection with the abort reason as soon as `signal` aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
