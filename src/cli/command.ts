/**
 * The shape of a subcommand. Each one declares its flags and help text next to
 * its code; `defineCommand` parses its arguments with full types, so adding a
 * command is one module plus one line in `commands.ts`.
 */

import type { Command, CommandEnvironment } from "./command-types.ts";
import { EXIT_OK, type ExitCode } from "./errors.ts";
import { type FlagSpecs, type FlagValues, parseArgs } from "./flags/args.ts";
import { withEnvironment } from "./flags/environment.ts";
import { type GlobalOptions, globalFlags, globalOptions } from "./flags/global-flags.ts";
import { commandHelp } from "./help.ts";
import type { CliIo } from "./io.ts";

export type { Command, CommandEnvironment };

export interface CommandContext<T extends FlagSpecs> {
  io: CliIo;
  flags: FlagValues<T>;
  positionals: string[];
  global: GlobalOptions;
}

export interface CommandDefinition<T extends FlagSpecs> {
  name: string;
  /** One line for the command table in `imgverify --help`. */
  summary: string;
  /** Arguments after the name, e.g. "[--impl IMPL] FILE...". */
  usage: string;
  /** Paragraphs for `imgverify NAME --help`: what it prints, what its exit codes mean. */
  details: string;
  flags: T;
  /** Read flags (global ones too) from `IMGVERIFY_*` variables, and refuse unknown ones. */
  environment?: CommandEnvironment;
  run(context: CommandContext<T>): Promise<ExitCode>;
}

export function defineCommand<T extends FlagSpecs>(definition: CommandDefinition<T>): Command {
  const { name, summary, usage, details, flags, environment } = definition;
  const command: Command = {
    name,
    summary,
    usage,
    details,
    flags,
    environment,
    async run(argv, io) {
      const specs = { ...globalFlags, ...flags };
      const parsed = parseArgs(argv, specs, name);
      if (parsed.flags.help) {
        io.stdout(commandHelp(command));
        return EXIT_OK;
      }
      const given = environment
        ? withEnvironment(parsed.flags, specs, io, name, environment.alsoRead)
        : parsed.flags;
      const global = globalOptions(given, name);
      return definition.run({ io, flags: given, positionals: parsed.positionals, global });
    },
  };
  return command;
}
