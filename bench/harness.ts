/**
 * The benchmark's own registry: Debian's docker-registry on loopback behind
 * the latency-injecting, request-counting proxy (in a process of its own).
 * Both are stopped when the work is done, fails, or the run is interrupted
 * (Ctrl-C, SIGTERM); the registry by its PID, with a watchdog that kills it
 * should this process die without running any JavaScript, and the proxy by
 * closing its stdin, which also happens then.
 */
import process from "node:process";
import type { RegistryInfo } from "../test/support/context.ts";
import { assertToolsInstalled } from "../test/support/preflight.ts";
import { type Registry, startRegistry } from "../test/support/registry.ts";
import { type CountingProxy, startProxyProcess } from "./remote-proxy.ts";

export interface BenchRegistry {
  /** The registry itself: seed here, so seeding is not counted. */
  registry: RegistryInfo;
  /** What the engine talks to: one injected round trip per request. */
  proxy: CountingProxy;
}

const INTERRUPTS = ["SIGINT", "SIGTERM"] as const;

export async function withBenchRegistry<T>(
  rttMs: number,
  work: (bench: BenchRegistry) => Promise<T>,
): Promise<T> {
  await assertToolsInstalled();
  let registry: Registry | undefined;
  let proxy: CountingProxy | undefined;
  const stop = async (): Promise<void> => {
    await proxy?.close();
    await registry?.stop();
  };
  const interrupted = (signal: NodeJS.Signals): void => {
    console.error(
      `\n${signal}: stopping the benchmark registry (pid ${registry?.pid}) and proxy (pid ${proxy?.pid})`,
    );
    void stop().finally(() => process.exit(130));
  };
  for (const signal of INTERRUPTS) process.once(signal, interrupted);
  try {
    registry = await startRegistry({ mode: "anonymous", quiet: true });
    proxy = await startProxyProcess(registry.url, rttMs);
    return await work({ registry: registry.info(), proxy });
  } finally {
    for (const signal of INTERRUPTS) process.off(signal, interrupted);
    await stop();
  }
}
