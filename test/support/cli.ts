import {
  type ChildProcessByStdio,
  type ChildProcessWithoutNullStreams,
  spawn,
} from "node:child_process";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { type GuardedProcess, guardProcess } from "./cleanup.ts";

/** The CLI as people run it: `node bin/imgverify.js`. */
export const IMGVERIFY_BIN: string = fileURLToPath(
  new URL("../../bin/imgverify.js", import.meta.url),
);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * This process's environment without its `IMGVERIFY_*` names, with `extra`
 * over it: the harness's own variables (`IMGVERIFY_CORPORA`, …) are not serve
 * settings, and serve refuses names it does not read.
 */
export function childEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const inherited = Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      !entry[0].startsWith("IMGVERIFY_") && entry[1] !== undefined,
  );
  return { ...Object.fromEntries(inherited), ...extra };
}

export interface CliOptions {
  /** The only Docker config directory the child sees, so the machine's credentials never leak in. */
  dockerConfigDir: string;
  /** Standard input; none when absent. */
  input?: string;
  timeoutMs?: number;
}

/** `imgverify ARGS` in a Node child process; killed when it outlives `timeoutMs`. */
export function runImgverify(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [IMGVERIFY_BIN, ...args], {
      env: childEnv({ DOCKER_CONFIG: options.dockerConfigDir }),
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 60_000,
      killSignal: "SIGKILL",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/**
 * The URL a `serve` child prints on its "listening on" line; rejects after
 * `timeoutMs` with what `stderr()` holds by then. `stdout()` reads all the
 * child has printed so far.
 */
export function listeningUrl(
  child: ChildProcessWithoutNullStreams | ChildProcessByStdio<null, Readable, Readable>,
  timeoutMs: number,
  stderr: () => string,
): { url: Promise<string>; stdout: () => string } {
  let stdout = "";
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening" line in ${timeoutMs} ms: ${stderr()}`)),
      timeoutMs,
    );
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
      const found = /listening on (https?:\/\/\S+)\n/.exec(stdout)?.[1];
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  });
  return { url, stdout: () => stdout };
}

export interface StartedServer {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly guarded: GuardedProcess;
  /** Resolves to the URL from the "listening on" line. */
  readonly url: Promise<string>;
  readonly stderr: () => string;
}

/**
 * Spawns a `serve` process (`command args`, with `env` over `childEnv()`), guarded so it dies with the test run, and waits up to
 * `readyMs` for its URL.
 */
export function startServer(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  dir: string,
  readyMs = 30_000,
): StartedServer {
  const child = spawn(command, args, {
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const guarded = guardProcess(child, dir);
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const read = () => stderr;
  return { child, guarded, url: listeningUrl(child, readyMs, read).url, stderr: read };
}
