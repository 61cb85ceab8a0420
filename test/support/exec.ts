import { execFile } from "node:child_process";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface RunOptions {
  /** Kill the command after this long; every external call in the harness is bounded. */
  timeoutMs?: number;
  cwd?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** Runs a command without a shell; a failure names the command and carries its stderr. */
export async function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    const { stdout, stderr } = await execFileAsync(command, [...args], {
      cwd: options.cwd,
      timeout,
      killSignal: "SIGKILL",
      maxBuffer: MAX_OUTPUT_BYTES,
      encoding: "utf8",
    });
    return { stdout, stderr };
  } catch (err) {
    const failure = err as { stderr?: string; code?: unknown; killed?: boolean; signal?: unknown };
    const how = failure.killed
      ? `timed out after ${timeout} ms`
      : `failed (exit ${String(failure.code ?? failure.signal)})`;
    const stderr = failure.stderr?.trim() || "(no stderr)";
    throw new Error(`${command} ${args.join(" ")} ${how}:\n${stderr}`, { cause: err });
  }
}
