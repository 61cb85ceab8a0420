/**
 * The `serve` command line of each runtime, read from package.json's
 * `start:<runtime>` scripts, so the tests start exactly what users start:
 * `bun` and `deno` resolved to node_modules/.bin, `node` to this Node.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const REPO_ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

export const SERVE_RUNTIMES = ["node", "bun", "deno"] as const;
export type ServeRuntime = (typeof SERVE_RUNTIMES)[number];
/** The serve runtimes and the Worker (`start:worker`: wrangler dev). */
export type StartRuntime = ServeRuntime | "worker";

const scripts: Record<string, string> = JSON.parse(
  readFileSync(`${REPO_ROOT}package.json`, "utf8"),
).scripts;

/** argv of `npm run start:<runtime>`, with absolute paths; run it with cwd REPO_ROOT. */
export function serveEntry(runtime: StartRuntime): string[] {
  const script = scripts[`start:${runtime}`];
  if (script === undefined) throw new Error(`package.json has no start:${runtime} script`);
  // The scripts are plain words, no quoting or shell syntax.
  const [program, ...args] = script.split(/\s+/);
  const command =
    program === "node" ? process.execPath : `${REPO_ROOT}node_modules/.bin/${program}`;
  return [
    command,
    ...args.map((arg) => (/^(src|bin|scripts)\//.test(arg) ? REPO_ROOT + arg : arg)),
  ];
}

/** Every runtime's entry, for describe.each. */
export const serveEntries: Record<ServeRuntime, string[]> = Object.fromEntries(
  SERVE_RUNTIMES.map((runtime) => [runtime, serveEntry(runtime)]),
) as Record<ServeRuntime, string[]>;
