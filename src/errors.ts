/**
 * The one error type of imgverify. Each module declares its own `code` union
 * (e.g. `OciErrorCode`) so callers can branch on a stable, machine-readable
 * string, while `message` stays written for people: it names the image, the
 * rule and the step where those are known.
 */
export class ImgverifyError<Code extends string = string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ImgverifyError";
    this.code = code;
  }

  /** Plain JSON shape used by the CLI `--json` output and the HTTP API. */
  toJSON(): { code: Code; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** True when `err` is an `ImgverifyError`, optionally with one of `codes`. */
export function isImgverifyError<Code extends string>(
  err: unknown,
  ...codes: Code[]
): err is ImgverifyError<Code> {
  if (!(err instanceof ImgverifyError)) return false;
  return codes.length === 0 || codes.includes(err.code as Code);
}

/** What each module's `xxxError` is: `codedError` for its own code union. */
export type CodedErrorFactory<Code extends string> = (
  code: Code,
  message: string,
  cause?: unknown,
) => ImgverifyError<Code>;

/** An `ImgverifyError` with `cause` attached when there is one. */
export function codedError<Code extends string>(
  code: Code,
  message: string,
  cause?: unknown,
): ImgverifyError<Code> {
  return new ImgverifyError(code, message, cause === undefined ? undefined : { cause });
}

/** The message of an unknown thrown value, for wrapping it in a coded error. */
export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
