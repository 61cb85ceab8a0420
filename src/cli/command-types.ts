/**
 * What the dispatcher and the help text know of a command, below both
 * (`command.ts` builds commands and prints their help through `help.ts`).
 */

import type { ExitCode } from "./errors.ts";
import type { FlagSpecs } from "./flags/args.ts";
import type { CliIo } from "./io.ts";

export interface CommandEnvironment {
  /** `IMGVERIFY_*` variables the command reads itself, beside the flags' own. */
  readonly alsoRead: readonly string[];
}

/** A command as the dispatcher sees it: help text and a function of its arguments. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly details: string;
  readonly flags: FlagSpecs;
  readonly environment?: CommandEnvironment | undefined;
  /** Runs with the arguments after the command name (global flags included). */
  run(argv: readonly string[], io: CliIo): Promise<ExitCode>;
}
