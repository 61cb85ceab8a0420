/** Help text, built from the command table and flag specs so it cannot drift. */
import packageJson from "../../package.json" with { type: "json" };
import type { Command } from "./command-types.ts";
import type { FlagSpecs } from "./flags/args.ts";
import { envNameOf } from "./flags/environment.ts";
import { globalFlags } from "./flags/global-flags.ts";

export const VERSION: string = packageJson.version;

const WIDTH = 80;

/** Two columns: `left` padded to `indent`, `right` wrapped at WIDTH under itself. */
function columns(rows: readonly [string, string][], indent: number): string {
  const lines: string[] = [];
  for (const [left, right] of rows) {
    let line = `  ${left}`.padEnd(indent);
    if (line.length > indent) {
      lines.push(line);
      line = " ".repeat(indent);
    }
    for (const word of right.split(" ")) {
      if (line.length + word.length > WIDTH && line.trim() !== "") {
        lines.push(line.trimEnd());
        line = " ".repeat(indent);
      }
      line += `${word} `;
    }
    lines.push(line.trimEnd());
  }
  return `${lines.join("\n")}\n`;
}

/** With `environment`, each description ends with the variable that supplies the flag. */
function flagRows(specs: FlagSpecs, environment = false): [string, string][] {
  return Object.entries(specs).map(([name, spec]) => {
    const short = spec.short === undefined ? "" : `-${spec.short}, `;
    const value = spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : "";
    const variable = environment && !spec.noEnv ? ` [$${envNameOf(name, spec)}]` : "";
    return [`${short}--${name}${value}`, `${spec.description}${variable}`];
  });
}

const exitCodes: [string, string][] = [
  ["0", "Success: the answer is yes, or the work is done."],
  ["1", "The answer is no: the tag or image does not exist, or is not verified."],
  [
    "2",
    "No answer: usage error, unreadable file or config, refused address, authentication failure, network error or timeout.",
  ],
];

export function mainHelp(commands: readonly Command[]): string {
  const commandRows: [string, string][] = commands.map((c) => [c.name, c.summary]);
  commandRows.push(["help [COMMAND]", "Show help for imgverify or one command."]);
  return [
    `imgverify ${VERSION}: verify container image signatures and attestations\nthe way Kyverno verifyImages policies do.\n`,
    "Usage: imgverify COMMAND [FLAGS] [ARGS]\n",
    `Commands:\n${columns(commandRows, 20)}`,
    `Global flags (any command):\n${columns(
      [...flagRows(globalFlags), ["--version", "Print the version and exit."]],
      34,
    )}`,
    `Exit codes:\n${columns(exitCodes, 6)}`,
    "Run 'imgverify COMMAND --help' for the flags and output of a command.\n",
  ].join("\n");
}

export function commandHelp(command: Command): string {
  const reads = command.environment !== undefined;
  const sections = [
    `Usage: imgverify ${command.name} ${command.usage}\n`,
    `${command.summary}\n\n${command.details.trim()}\n`,
  ];
  if (Object.keys(command.flags).length > 0) {
    sections.push(`Flags:\n${columns(flagRows(command.flags, reads), 34)}`);
  }
  sections.push(`Global flags:\n${columns(flagRows(globalFlags, reads), 34)}`);
  return sections.join("\n");
}
