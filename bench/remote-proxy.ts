/**
 * Starts proxy-process.ts on the runtime running this file (Bun, or Node with
 * tsx's loader) and drives it over its control port. The child is stopped
 * by closing its stdin, which also happens should this process die.
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { LoggedRequest } from "../test/support/proxy.ts";

export interface CountingProxy {
  /** "http://127.0.0.1:PORT" of the proxy. */
  url: string;
  /** "127.0.0.1:PORT", for image references. */
  host: string;
  pid: number;
  /** Resolves once no request is in flight at the proxy. */
  settled(): Promise<void>;
  /** Forgets the log (await settled() first). */
  reset(): Promise<void>;
  /** Requests in the order they finished. */
  log(): Promise<LoggedRequest[]>;
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 2_000;
const CONTROL_TIMEOUT_MS = 30_000;

interface Ready {
  url: string;
  host: string;
  control: string;
}

export async function startProxyProcess(target: string, latencyMs: number): Promise<CountingProxy> {
  const script = fileURLToPath(new URL("./proxy-process.ts", import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, script, target, String(latencyMs)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    child.stdin?.end();
    const killed = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, false)]);
    if (!killed) child.kill("SIGKILL");
    await exited;
  };
  let ready: Ready;
  try {
    ready = await new Promise<Ready>((resolve, reject) => {
      let text = "";
      const timer = setTimeout(
        () => reject(new Error("proxy process not ready")),
        READY_TIMEOUT_MS,
      );
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`proxy process exited with ${code}`)));
      child.stdout?.on("data", (chunk: Buffer) => {
        text += chunk.toString("utf8");
        const newline = text.indexOf("\n");
        if (newline < 0) return;
        clearTimeout(timer);
        resolve(JSON.parse(text.slice(0, newline)) as Ready);
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const call = async (method: string, path: string): Promise<unknown> => {
    const res = await fetch(`${ready.control}${path}`, {
      method,
      signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`proxy control ${method} ${path}: ${res.status}`);
    return res.json();
  };
  return {
    url: ready.url,
    host: ready.host,
    pid: child.pid as number,
    settled: () => call("GET", "/settled").then(() => undefined),
    reset: () => call("POST", "/reset").then(() => undefined),
    log: () => call("GET", "/log") as Promise<LoggedRequest[]>,
    close: stop,
  };
}
