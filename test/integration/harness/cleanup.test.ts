import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const childScript = fileURLToPath(new URL("./orphan-child.ts", import.meta.url));
const tsxLoader = createRequire(import.meta.url).resolve("tsx");

/** A zombie (exited, not yet reaped by its new parent) counts as gone. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

function firstLine(child: ChildProcess): Promise<{ pid: number; dir: string }> {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf("\n");
      if (newline >= 0) resolve(JSON.parse(out.slice(0, newline)));
    });
    child.once("exit", (code) => reject(new Error(`child exited (${code}) before reporting`)));
  });
}

describe("harness cleanup when a test process dies without stop()", () => {
  it.each(["exit", "hang"])("removes the registry and its temp dir (%s)", async (how) => {
    const child = spawn(process.execPath, ["--import", tsxLoader, childScript, how], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    const { pid, dir } = await firstLine(child);
    expect(isAlive(pid)).toBe(true);
    expect(existsSync(dir)).toBe(true);
    if (how === "hang") child.kill("SIGKILL");
    else child.stdin?.write("die\n");
    expect(await eventually(() => !isAlive(pid) && !existsSync(dir), 10_000)).toBe(true);
  });
});
