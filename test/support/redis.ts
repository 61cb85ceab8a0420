/**
 * A real redis-server (Debian's package) on loopback for the shared-cache
 * tests: no persistence, guarded so it never outlives the test run.
 */
import { execFileSync, spawn } from "node:child_process";
import { guardProcess } from "./cleanup.ts";
import { freePort } from "./ports.ts";

export interface StartedRedis {
  readonly url: string;
  readonly port: number;
  /** redis-cli against this server; returns its output. */
  cli(...args: string[]): string;
  /** SIGKILL: the server is gone at once, as when its node fails. Again: the same promise. */
  kill(): Promise<void>;
}

export async function startRedis(dir: string): Promise<StartedRedis> {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  );
  const guarded = guardProcess(child, dir);
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8").on("data", (text: string) => {
      output += text;
    });
  }
  const cli = (...args: string[]): string =>
    execFileSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], {
      encoding: "utf8",
      // Its complaints while the server starts are expected; a failure's are in the error.
      stdio: ["ignore", "pipe", "pipe"],
    });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if (cli("ping").trim() === "PONG") break;
    } catch {}
    if (Date.now() > deadline || child.exitCode !== null) {
      await guarded.stop();
      throw new Error(`redis-server did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Once only: a second signal could reach another process that has since taken the PID.
  let killed: Promise<void> | undefined;
  const kill = async (): Promise<void> => {
    try {
      process.kill(guarded.pid, "SIGKILL");
    } catch {} // already gone
    await guarded.stop();
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    cli,
    kill: () => {
      killed ??= kill();
      return killed;
    },
  };
}
