import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The CLI as people run it: `node bin/imgverify.js`. */
export const IMGVERIFY_BIN: string = fileURLToPath(
  new URL("../../bin/imgverify.js", import.meta.url),
);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
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
      env: { ...process.env, DOCKER_CONFIG: options.dockerConfigDir },
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
