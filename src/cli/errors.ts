import { ImgverifyError, isImgverifyError } from "../errors.ts";
import type { OciErrorCode } from "../oci/errors.ts";

/**
 * `CLI_USAGE`: the command line is wrong (exit 2, points at --help).
 * `CLI_FILE_UNREADABLE`: a named file cannot be read (exit 2, environment).
 * `CLI_FILE_TOO_LARGE`: a file that must be read whole is over its bound (exit 2).
 * `CLI_FILE_EXISTS`: a file to write exists and overwriting was not asked for (exit 2).
 * `CLI_FILE_UNWRITABLE`: a file to write cannot be created or written (exit 2).
 * `CLI_REGISTRY_CONFIG`: the Docker config file is unreadable or not valid (exit 2).
 * `CLI_LISTEN`: the server cannot bind its address or load its TLS material (exit 2).
 */
export type CliErrorCode =
  | "CLI_USAGE"
  | "CLI_FILE_UNREADABLE"
  | "CLI_FILE_TOO_LARGE"
  | "CLI_FILE_EXISTS"
  | "CLI_FILE_UNWRITABLE"
  | "CLI_REGISTRY_CONFIG"
  | "CLI_LISTEN";

/** A usage error whose message ends by pointing at the right --help. */
export function usageError(message: string, command?: string): ImgverifyError<"CLI_USAGE"> {
  const help = command === undefined ? "imgverify --help" : `imgverify ${command} --help`;
  return new ImgverifyError("CLI_USAGE", `${message} (see '${help}')`);
}

export type ExitCode = 0 | 1 | 2;

export const EXIT_OK: ExitCode = 0;
/** The thing asked about is false: not found, not verified. */
const EXIT_NEGATIVE: ExitCode = 1;
/** The question could not be answered: usage, environment, network, auth. */
const EXIT_ERROR: ExitCode = 2;

/**
 * Error codes that are an answer rather than a failure to get one. Everything
 * else (usage, files, auth, network, timeouts, refused addresses) exits 2, so a
 * script can tell "no such tag" from "could not ask".
 */
const negativeAnswerCodes: ReadonlySet<string> = new Set<OciErrorCode>(["NOT_FOUND"]);

export function exitCodeFor(err: unknown): ExitCode {
  return isImgverifyError(err) && negativeAnswerCodes.has(err.code) ? EXIT_NEGATIVE : EXIT_ERROR;
}
