import { type ImgverifyError, isImgverifyError } from "../../src/errors.ts";

/**
 * The error `promise` rejects with, as `guard` recognises it; a promise that
 * resolves, or rejects with anything else, fails the test.
 */
export async function rejectionOf<E = ImgverifyError>(
  promise: Promise<unknown>,
  guard: (err: unknown) => err is E = isImgverifyError as (err: unknown) => err is E,
): Promise<E> {
  try {
    await promise;
  } catch (err) {
    if (guard(err)) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

/** The code of the `ImgverifyError` `run` throws, or "accepted"; other errors fail the test. */
export function thrownCode(run: () => unknown): string {
  try {
    run();
    return "accepted";
  } catch (err) {
    if (isImgverifyError(err)) return err.code;
    throw err;
  }
}

/** Like `thrownCode`, for a function whose failure is a rejected promise. */
export async function rejectedCode(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "accepted";
  } catch (err) {
    if (isImgverifyError(err)) return err.code;
    throw err;
  }
}
