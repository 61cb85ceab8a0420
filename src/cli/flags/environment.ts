/**
 * Flags from the environment, the container convention: a command that opts
 * in reads `IMGVERIFY_<FLAG>` for each flag not given on the command line, so
 * the same configuration reaches Bun, Deno, Node and the Worker. Flags win.
 * Any other `IMGVERIFY_*` name is refused by name: a misspelt variable must not
 * leave a setting (an auth token file, a trusted root) silently at its default.
 */

import { usageError } from "../errors.ts";
import type { FlagSpec, FlagSpecs, FlagValues } from "./args.ts";

export const ENV_PREFIX = "IMGVERIFY_";

/** The variable that supplies `--flag`: its `env`, else `IMGVERIFY_` and the name in upper snake case. */
export function envNameOf(flag: string, spec: FlagSpec): string {
  return spec.env ?? `${ENV_PREFIX}${flag.toUpperCase().replaceAll("-", "_")}`;
}

export interface EnvironmentSource {
  env(name: string): string | undefined;
  /** Every name in the environment that starts with `prefix`. */
  envNames(prefix: string): readonly string[];
}

const ON = ["on", "true", "1"];
const OFF = ["off", "false", "0"];

function switchValue(name: string, text: string, command: string): boolean {
  const value = text.trim().toLowerCase();
  if (ON.includes(value)) return true;
  if (OFF.includes(value)) return false;
  throw usageError(`${name}="${text.slice(0, 40)}" is not on or off`, command);
}

/** Comma list: `a, b,,c` is `["a", "b", "c"]`. */
export const listValue = (text: string): string[] =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

/**
 * A Service named `imgverify` gives every pod in its namespace
 * `IMGVERIFY_SERVICE_HOST`, `IMGVERIFY_PORT=tcp://…` and `IMGVERIFY_PORT_*`.
 */
const SERVICE_LINK_HINT =
  "; IMGVERIFY_SERVICE_* and IMGVERIFY_PORT=tcp://… are Kubernetes service links of a Service named imgverify: set enableServiceLinks: false in the pod spec";

const looksLikeServiceLink = (name: string, value: string | undefined): boolean =>
  /^IMGVERIFY_(SERVICE_|PORT_)/.test(name) || /^(tcp|udp|sctp):\/\//.test(value ?? "");

/**
 * `flags` with every flag left at its default filled from its variable, after
 * refusing `IMGVERIFY_*` names that are neither a flag's nor in `alsoRead`
 * (variables the command reads itself, such as a token kept out of argv).
 * An empty variable counts as unset. `reader` names who reads them in the
 * refusal (the Worker reads serve's names, fewer of them).
 */
export function withEnvironment<T extends FlagSpecs>(
  flags: FlagValues<T>,
  specs: T,
  source: EnvironmentSource,
  command: string,
  alsoRead: readonly string[] = [],
  reader: string = command,
): FlagValues<T> {
  const entries = Object.entries(specs).filter(([, spec]) => !spec.noEnv);
  const known = new Set([...entries.map(([flag, spec]) => envNameOf(flag, spec)), ...alsoRead]);
  const present = source.envNames(ENV_PREFIX);
  const unknown = present.filter((name) => !known.has(name)).sort();
  const linked = present.some((name) => looksLikeServiceLink(name, source.env(name)));
  if (unknown.length > 0) {
    throw usageError(
      `unknown environment variable${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}: ${reader} reads ${[...known].sort().join(", ")}${linked ? SERVICE_LINK_HINT : ""}`,
      command,
    );
  }
  const filled: Record<string, unknown> = { ...flags };
  for (const [flag, spec] of entries) {
    const name = envNameOf(flag, spec);
    const text = source.env(name);
    if (text === undefined || text === "") continue;
    if (looksLikeServiceLink(name, text)) {
      throw usageError(
        `${name}="${text.slice(0, 40)}" is not a value for --${flag}${SERVICE_LINK_HINT}`,
        command,
      );
    }
    const current = filled[flag];
    if (spec.type === "boolean") {
      if (current === false) filled[flag] = switchValue(name, text, command);
    } else if (spec.multiple) {
      if ((current as string[]).length === 0) filled[flag] = listValue(text);
    } else if (current === undefined) {
      filled[flag] = text;
    }
  }
  return filled as FlagValues<T>;
}
