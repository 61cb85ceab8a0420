/**
 * The `imgverify` command line, runtime-neutral: `runCli(argv, io)` returns the
 * exit code and does all I/O through `io`, so tests run it in-process.
 */

import type { Command } from "./command.ts";
import { commands as defaultCommands } from "./commands/index.ts";
import { EXIT_OK, type ExitCode, usageError } from "./errors.ts";
import { type FlagSpecs, firstPositional, parseArgs } from "./flags/args.ts";
import { globalFlags } from "./flags/global-flags.ts";
import { commandHelp, mainHelp, VERSION } from "./help.ts";
import type { CliIo } from "./io.ts";
import { reportError } from "./output.ts";

const topLevelFlags = {
  ...globalFlags,
  version: { type: "boolean", description: "Print the version and exit." },
} as const satisfies FlagSpecs;

/** `--json` anywhere before `--`: decides the error format even when parsing fails. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}

function helpFor(topic: string | undefined, commands: readonly Command[]): string {
  if (topic === undefined) return mainHelp(commands);
  const command = commands.find((c) => c.name === topic);
  if (!command) throw usageError(`no help for unknown command "${topic}"`);
  return commandHelp(command);
}

async function dispatch(
  argv: readonly string[],
  io: CliIo,
  commands: readonly Command[],
): Promise<ExitCode> {
  // Every command's flags tell which leading arguments are flag values, so the
  // command name is found even after `--timeout 3s` or `--impl wasm`.
  const allFlags: FlagSpecs = Object.assign({}, topLevelFlags, ...commands.map((c) => c.flags));
  const at = firstPositional(argv, allFlags);
  if (at === -1) {
    const { flags } = parseArgs(argv, topLevelFlags);
    if (flags.version) io.stdout(`imgverify ${VERSION}\n`);
    else if (flags.help) io.stdout(mainHelp(commands));
    else throw usageError("no command given");
    return EXIT_OK;
  }
  const name = argv[at] as string;
  const rest = [...argv.slice(0, at), ...argv.slice(at + 1)];
  if (name === "help") {
    const { positionals } = parseArgs(rest, globalFlags);
    if (positionals.length > 1) throw usageError("help takes at most one COMMAND");
    io.stdout(helpFor(positionals[0], commands));
    return EXIT_OK;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) throw usageError(`unknown command "${name}"`);
  return command.run(rest, io);
}

export async function runCli(
  argv: readonly string[],
  io: CliIo,
  commands: readonly Command[] = defaultCommands,
): Promise<ExitCode> {
  try {
    return await dispatch(argv, io, commands);
  } catch (err) {
    return reportError(io, wantsJson(argv), err);
  }
}
