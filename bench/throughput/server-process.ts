/**
 * A server under load as a Bun child process: started, waited for until it
 * prints where it listens, sampled for CPU time, and stopped by its PID.
 */
import { type ChildProcessByStdio, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { childEnv } from "../../test/support/cli.ts";

export const REPO_ROOT: string = fileURLToPath(new URL("../../", import.meta.url));
/** Start-up includes the demo's key generation and signing; well under this. */
const LISTEN_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
/** USER_HZ: /proc counts CPU time in these ticks on every Linux ABI Bun runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
/** Output kept for an error message; the rest is dropped. */
const MAX_LOG_CHARS = 16 * 1024;

/** The Bun running this bench, else the one installed with the project (`npx bun`). */
export function bunExecutable(): string {
  if (process.versions.bun !== undefined) return process.execPath;
  const installed = join(REPO_ROOT, "node_modules", ".bin", "bun");
  if (!existsSync(installed)) throw new Error(`no Bun to run the servers: ${installed} is missing`);
  return installed;
}

export function bunVersion(): string {
  return execFileSync(bunExecutable(), ["--version"], { encoding: "utf8" }).trim();
}

/**
 * CPU seconds (user + system, all threads) from a `/proc/PID/stat` line. The
 * command name in parentheses may hold spaces, so fields are counted after it.
 */
export function cpuSecondsOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the line; the state (field 3) is fields[0].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) {
    throw new Error(`not a /proc/PID/stat line: ${stat.slice(0, 80)}`);
  }
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** CPU seconds the server has used so far; undefined where /proc is not there. */
  cpuSeconds(): Promise<number | undefined>;
  /** SIGTERM, then SIGKILL if it is still there after a few seconds. */
  stop(): Promise<void>;
}

type Child = ChildProcessByStdio<null, Readable, Readable>;

function exited(child: Child): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

async function stopChild(child: Child): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  process.kill(pid, "SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), STOP_TIMEOUT_MS);
  });
  const outcome = await Promise.race([exited(child), late]);
  clearTimeout(timer);
  if (outcome === "late") {
    process.kill(pid, "SIGKILL");
    await exited(child);
  }
}

/** `bun ARGS` from the repository root; resolves once it prints "listening on http://...". */
export async function startServer(
  name: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const child: Child = spawn(bunExecutable(), args, {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  let output = "";
  const keep = (text: string): void => {
    if (output.length < MAX_LOG_CHARS) output += text;
  };
  child.stderr.setEncoding("utf8").on("data", keep);
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name}: no "listening on" line in ${LISTEN_TIMEOUT_MS} ms`)),
        LISTEN_TIMEOUT_MS,
      );
      child.once("error", reject);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${signal ?? code}) before listening`));
      });
      child.stdout.setEncoding("utf8").on("data", (text: string) => {
        keep(text);
        const found = /listening on (http:\/\/\S+)\n/.exec(output)?.[1];
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      });
    });
    if (pid === undefined) throw new Error(`${name} has no PID`);
    return {
      name,
      url,
      pid,
      cpuSeconds: async () => {
        const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
        return stat === undefined ? undefined : cpuSecondsOfStat(stat);
      },
      stop: () => stopChild(child),
    };
  } catch (err) {
    await stopChild(child);
    throw new Error(`${(err as Error).message}\n${output}`, { cause: err });
  }
}
