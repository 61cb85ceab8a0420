import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Last-resort cleanup when a test process exits without calling stop(): the
// "exit" event covers normal exits and uncaught errors, the watchdog covers
// SIGKILL and crashes where no JavaScript runs any more.
const livePids = new Set<number>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pid of livePids) killQuietly(pid, "SIGKILL");
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  });
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** A fresh directory under os.tmpdir(), removed by removeTempDir() or at process exit. */
export function makeTempDir(prefix: string): string {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), `imgverify-${prefix}-`));
  liveDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

/**
 * Spawns a small shell that waits for our end of its stdin to close (which the
 * kernel does however this process dies), then stops `pid` and removes `dir`.
 * Returns a function that retires the watchdog once the daemon was stopped normally.
 */
function spawnWatchdog(pid: number, dir: string): () => void {
  const script = [
    "read _ignored",
    'kill -TERM "$1" 2>/dev/null',
    // A zombie counts as gone: a container's PID 1 may never reap the orphan.
    'alive() { [ -r "/proc/$1/stat" ] && ! grep -q ") Z " "/proc/$1/stat"; }',
    'i=0; while [ "$i" -lt 30 ] && alive "$1"; do sleep 0.1; i=$((i+1)); done',
    'kill -KILL "$1" 2>/dev/null',
    'rm -rf "$2"',
  ].join("\n");
  const watchdog = spawn("sh", ["-c", script, "watchdog", String(pid), dir], {
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
  });
  watchdog.unref();
  const stdin = watchdog.stdin as (typeof watchdog.stdin & { unref?: () => void }) | null;
  stdin?.unref?.();
  return () => {
    if (watchdog.pid !== undefined) killQuietly(watchdog.pid, "SIGKILL");
    watchdog.stdin?.destroy();
  };
}

export interface GuardedProcess {
  pid: number;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Tracks a spawned daemon so it never outlives the test process. */
export function guardProcess(child: ChildProcess, dir: string): GuardedProcess {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`spawn of ${child.spawnfile} failed: no pid`);
  installExitHook();
  livePids.add(pid);
  const retireWatchdog = spawnWatchdog(pid, dir);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  return {
    pid,
    async stop(graceMs = 5_000): Promise<void> {
      killQuietly(pid, "SIGTERM");
      const timer = setTimeout(() => killQuietly(pid, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      livePids.delete(pid);
      retireWatchdog();
    },
  };
}
