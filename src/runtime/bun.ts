/**
 * Bun: the in-cluster webhook. `bun src/runtime/bun.ts [serve flags]` (the
 * `npm start` script) serves with `Bun.serve`; outbound HTTP is Bun's own
 * keep-alive fetch.
 */
import type { CliIo, FetchHandler, Listener, ListenOptions } from "../cli/io.ts";
import { runCli } from "../cli/main.ts";
import { processIo } from "./cli.ts";
import { serverTlsOptions } from "./tls-options.ts";

async function bunListen(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    fetch: handler,
    // Bun.serve takes node:tls's spelling (ca, requestCert, rejectUnauthorized).
    ...(options.tls && { tls: serverTlsOptions(options.tls) }),
  });
  return {
    port: server.port ?? options.port,
    close: () => server.stop(),
    terminate: () => void server.stop(true),
  };
}

function bunPlatform(): Pick<CliIo, "fetch" | "listen"> {
  return { fetch: () => (request) => fetch(request), listen: bunListen };
}

if (import.meta.main) {
  const argv = ["serve", ...process.argv.slice(2)];
  process.exitCode = await runCli(argv, { ...processIo(), ...bunPlatform() });
}
