import type { Clock } from "../deps.ts";
import { OciError, type OciErrorCode, type OciErrorDetails } from "./errors.ts";
import type { ByteBudget } from "./transport/budget.ts";

/** Why an operation stops its own timer; nothing reads it. */
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

/** Runs `body` as an operation; its failures come out as `OciError`s naming the step. */
export async function runOperation<T>(
  setup: OperationSetup,
  body: (op: Operation) => Promise<T>,
): Promise<T> {
  const { step, reference, timeoutMs, clock, signal } = setup;
  const timer = new AbortController();
  const stopTimer = new AbortController();
  clock.sleep(timeoutMs, stopTimer.signal).then(
    () =>
      timer.abort(
        new OciError("TIMEOUT", `${step}: timed out after ${timeoutMs} ms`, { reference }),
      ),
    () => {},
  );
  // AbortSignal.any, not a listener on the caller's signal: an admission's
  // deadline signal is shared by hundreds of operations at once.
  const opSignal = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
  const op: Operation = {
    step,
    reference,
    signal: opSignal,
    deadline: clock.now() + timeoutMs,
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
    // A fixed reason: a bare abort() builds a DOMException with a stack on every call.
    stopTimer.abort(OPERATION_ENDED);
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
